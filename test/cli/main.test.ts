import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * src/cli/main.ts, spawned from dist/ (build first): the exit waits for the
 * output to drain, so a pipe gets all of it; `--version`.
 */

const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');
const FIXTURES = resolve(import.meta.dirname, '../fixtures/series');

/** Runs the CLI with stdout into a pipe that is read only after `readAfterMs`: a slow `| jq`. */
function piped(
  args: readonly string[],
  readAfterMs: number,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.pause();
    setTimeout(() => {
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.stdout.resume();
    }, readAfterMs);
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(chunks).toString('utf8') }));
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-main-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('stagegate main', () => {
  it('simulate --json through a slow pipe is complete (far more than 64 KiB)', async () => {
    // 400 healthy 15-minute buckets: the rollout waits for approval at 100% and the timeline keeps going
    const rows = ['time,metric,value,numerator,denominator,status,message'];
    for (let i = 0; i < 400; i++) {
      const t = `+${i * 15}m`;
      rows.push(`${t},error_rate,,1,200,,`, `${t},sent,200,,,,`, `${t},click_through,,80,200,,`);
    }
    const series = join(dir, 'long.csv');
    await writeFile(series, `${rows.join('\n')}\n`);
    const r = await piped(
      [
        'simulate',
        join(FIXTURES, 'ebg-emails.yaml'),
        '--metrics',
        series,
        '--from',
        '2025-06-17T09:00:00-04:00',
        '--json',
      ],
      1_000,
    );
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(256 * 1024);
    const parsed = JSON.parse(r.stdout) as { timeline: unknown[] };
    expect(parsed.timeline.length).toBeGreaterThan(390);
  }, 60_000);

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    const r = await piped(['--version'], 0);
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n` });
  });
});
