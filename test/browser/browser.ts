import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import axe from 'axe-core';

/* Chromium from the system (Debian's `chromium`), driven by playwright-core: no browser download. */

export const RESULTS = resolve(import.meta.dirname, '../../test-results');

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string {
  const found = CANDIDATES.find((p): p is string => p !== undefined && existsSync(p));
  if (!found) throw new Error('no chromium: apt-get install -y chromium, or set CHROMIUM_PATH');
  return found;
}

export async function launch(): Promise<Browser> {
  await mkdir(RESULTS, { recursive: true });
  // as root Chromium refuses to start without --no-sandbox
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: chromiumPath(), args });
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/** axe-core's WCAG 2.1 A/AA rules on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // evaluated over the DevTools protocol, so the page's CSP (no inline script) does not apply to it
  await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const w = globalThis as unknown as {
      document: unknown;
      axe: {
        run(
          ctx: unknown,
          opts: unknown,
        ): Promise<{
          passes: unknown[];
          violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
        }>;
      };
    };
    const result = await w.axe.run(w.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    // no rule passing means axe checked nothing (not loaded, empty page): never "clean"
    if (result.passes.length === 0) return [{ id: 'axe-ran-nothing', impact: null, help: '', targets: [] }];
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
}
