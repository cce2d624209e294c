import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * `npm run demo -- --keep`: after both outcomes the demo keeps the controller
 * (with its status page) and the sandboxes running, and stops on Ctrl-C.
 */

const DEMO = resolve(import.meta.dirname, '../../dist/sandbox/demo.js');

describe('demo --keep', () => {
  it('leaves the status page up after the outcomes, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [DEMO, '--keep'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 150_000;
    let url: string | undefined;
    while (!url) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no status page:\n${out}`);
      url = /status page {2}(\S+)/.exec(out)?.[1];
      await new Promise((r) => setTimeout(r, 200));
    }
    // the summary came first, then the kept-running block
    expect(out.indexOf('demo OK')).toBeGreaterThan(-1);
    expect(out.indexOf('demo OK')).toBeLessThan(out.indexOf('kept running'));
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-rollout="demo-checkout-redesign"');
    expect(html).toContain('data-rollout="demo-email-notifications"');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  }, 180_000);
});
