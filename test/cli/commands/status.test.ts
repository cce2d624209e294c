import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStateStore } from '../../../src/store/factory.js';
import { CLI } from '../../e2e/harness.js';
import { recordFor } from '../../report/fixtures.js';
import { REDRAW } from '../../../src/cli/status-watch.js';

/*
 * `stagegate status --watch` through the built CLI: on a pipe, one line per
 * change, in the order the changes were saved; on a terminal (`script`
 * gives it a pty), the table redrawn in place.
 */

let dir: string;
let configPath: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagegate-watch-'));
  mkdirSync(join(dir, 'rollouts'));
  configPath = join(dir, 'stagegate.yaml');
  writeFileSync(
    configPath,
    `rolloutsDir: ${join(dir, 'rollouts')}\nstate: { type: file, dir: ${join(dir, 'state')} }\n`,
  );
});

afterEach(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

function start(command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TERM: 'xterm' },
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function until(pred: () => boolean, what: () => string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting; output:\n${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function save(
  state: 'running' | 'paused',
  stage: string,
  percent: number,
  version: number,
): Promise<void> {
  const store = createStateStore({ type: 'file', dir: join(dir, 'state') });
  const rec = recordFor('ebg', state, stage, 0, percent, state === 'paused' ? 'paused by ian' : null);
  await store.save({ ...rec, version }, version);
}

describe('status --watch', () => {
  it('on a pipe: one line per change, in order, and exits 0 on SIGTERM', async () => {
    await save('running', 'canary', 2, 0);
    const { child, output } = start(process.execPath, [
      CLI,
      '--config',
      configPath,
      'status',
      '--watch',
      '--interval',
      '200ms',
    ]);
    const lines = () => output().split('\n').filter(Boolean);
    await until(() => lines().length >= 1, output);
    await save('running', 'stage-b', 25, 1);
    await until(() => lines().length >= 2, output);
    await save('paused', 'stage-b', 25, 2);
    await until(() => lines().length >= 3, output);
    // a few more reads with nothing changed: no more lines
    await new Promise((r) => setTimeout(r, 700));
    expect(lines().map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'ebg running canary 2%',
      'ebg running stage-b 25%',
      'ebg paused stage-b 25% — paused by ian',
    ]);
    expect(output()).not.toContain('\x1b[');
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('on a terminal: redraws the table in place', async () => {
    await save('running', 'canary', 2, 0);
    const cmd = `${process.execPath} ${CLI} --config ${configPath} status --watch --interval 200ms`;
    const { output } = start('script', ['-qfec', cmd, '/dev/null']);
    await until(() => output().split(REDRAW).length > 2, output);
    await save('paused', 'canary', 2, 1);
    await until(() => output().split(REDRAW).at(-1)?.includes('paused') === true, output);
    const frames = output().split(REDRAW).filter(Boolean);
    expect(frames[0]).toContain('stagegate status --watch');
    expect(frames[0]).toMatch(/ebg\s+running/);
    expect(frames.at(-1)).toMatch(/ebg\s+paused/);
  });
});
