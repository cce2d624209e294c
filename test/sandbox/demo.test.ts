import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type * as Demo from '../../src/sandbox/demo.js';

/*
 * runDemo() in process, without --keep (the --keep path is demo-keep.test.ts).
 * Imported from dist/: it spawns the real controller as dist/cli/main.js next
 * to itself, so the build must be current (npm run build).
 */

type DemoModule = typeof Demo;

const DEMO = pathToFileURL(resolve(import.meta.dirname, '../../dist/sandbox/demo.js')).href;
let workspace: string | undefined;

afterAll(async () => {
  // the demo leaves its workspace for the user to explore; the test does not
  if (workspace?.includes('stagegate-demo-')) await rm(workspace, { recursive: true, force: true });
});

describe('runDemo', () => {
  it('completes the healthy rollout and rolls back the failing one, and says what happened in order', async () => {
    const { runDemo } = (await import(DEMO)) as DemoModule;
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const ok = await runDemo(out);
    workspace = /workspace {8}(\S+)/.exec(text)?.[1];

    expect(ok, text).toBe(true);
    expect(text).toMatch(/Datadog sandbox {2}http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/Flipper sandbox {2}http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(
      /demo OK: demo-checkout-redesign completed at 100%, demo-email-notifications rolled_back at 0% \(\d+\.\d s\)/,
    );
    expect(text).not.toContain('kept running');

    // header, progress, timeline, status, summary: in that order
    const at = (s: string) => text.indexOf(s);
    const marks = [
      'stagegate demo',
      'running: stagegate --config',
      'timeline (from the state store history):',
      'stagegate status:',
      'demo OK',
    ];
    expect(marks.every((m) => at(m) >= 0)).toBe(true);
    expect(marks.map(at)).toEqual([...marks.map(at)].sort((a, b) => a - b));

    // the timeline shows the healthy rollout's stages rising to 100%, the failing one's toggle going back to 0%
    const timeline = text.slice(at('timeline'), at('stagegate status:')).split('\n');
    const healthy = timeline.filter((l) => l.includes('demo-checkout-redesign  toggle set to'));
    const percents = healthy.map((l) => Number(/set to ([\d.]+)%/.exec(l)?.[1]));
    expect(percents.length).toBeGreaterThan(1);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    const failing = timeline.filter((l) => l.includes('demo-email-notifications'));
    const rollingBack = failing.findIndex((l) =>
      / running → rolling_back at stage-c \(50%\) — error_rate /.test(l),
    );
    expect(rollingBack, text).toBeGreaterThan(0);
    // the breach came after the toggle reached 50%, and the rollback ended at 0%
    expect(failing.findIndex((l) => l.includes('toggle set to 50%'))).toBeLessThan(rollingBack);
    expect(failing.slice(rollingBack + 1).map((l) => l.replace(/^\s*\+\s*[\d.]+s {2}/, ''))).toEqual([
      'demo-email-notifications  toggle set to 0%',
      expect.stringMatching(/^demo-email-notifications {2}rolling_back → rolled_back at stage-c \(0%\)/),
    ]);
    // seconds since the start never go backwards within a rollout's lines
    const seconds = failing.map((l) => Number(/\+\s*([\d.]+)s/.exec(l)?.[1]));
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));

    // and where it said state and logs are, they are
    const stateDir = /state: {2}(\S+)/.exec(text)?.[1] ?? '';
    const logFile = /logs: {3}(\S+)/.exec(text)?.[1] ?? '';
    expect(existsSync(join(stateDir, 'rollouts', 'demo-checkout-redesign.json'))).toBe(true);
    expect(existsSync(join(stateDir, 'history', 'demo-email-notifications.jsonl'))).toBe(true);
    const log = await readFile(logFile, 'utf8');
    expect(log.split('\n').some((l) => l.includes('"msg":"check"'))).toBe(true);
  }, 180_000);
});
