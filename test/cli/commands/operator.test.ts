import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/cli/commands/operator.js';
import { createStateStore } from '../../../src/store/factory.js';
import { captureOutput } from '../helpers.js';
import { failure as failureOf } from '../../stagegate-error.js';

/* The operator commands in-process, against a file store and a file toggle. */

const ROLLOUT = `name: ebg
toggle: { provider: local, feature: ebg_emails }
check: { every: 5m }
stages: [{ name: canary, percent: 2 }, { name: all, percent: 100 }]
`;

let dir: string;
let out: string;
let err: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagegate-operator-'));
  mkdirSync(join(dir, 'rollouts'));
  writeFileSync(join(dir, 'rollouts', 'ebg.yaml'), ROLLOUT);
  writeFileSync(
    join(dir, 'stagegate.yaml'),
    `rolloutsDir: ${join(dir, 'rollouts')}
state: { type: file, dir: ${join(dir, 'state')} }
toggles:
  local: { type: file, path: ${join(dir, 'toggles.json')} }
`,
  );
  out = '';
  err = '';
  captureOutput(
    (text) => (out += text),
    (text) => (err += text),
  );
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<void> {
  const program = new Command('stagegate').option('--config <file>').exitOverride();
  register(program);
  await program.parseAsync(['node', 'stagegate', '--config', join(dir, 'stagegate.yaml'), ...args]);
}

const failure = (...args: string[]) => failureOf(run(...args));

const history = () => createStateStore({ type: 'file', dir: join(dir, 'state') }).history('ebg');

describe('stagegate <operator command>', () => {
  it('pause records who and why, prints the outcome, and the state changes', async () => {
    await run('pause', 'ebg', '--by', 'ian', '--reason', 'investigating 5xx');
    expect(out).toBe('pause accepted for ebg; now paused\n');
    const commands = (await history()).filter((e) => e.type === 'command');
    expect(commands).toMatchObject([
      { command: 'pause', by: 'ian', reason: 'investigating 5xx', accepted: true },
    ]);
    const rec = await createStateStore({ type: 'file', dir: join(dir, 'state') }).load('ebg');
    expect(rec?.summary.state).toBe('paused');
  });

  it('--json prints accepted, message and summary', async () => {
    await run('pause', 'ebg', '--by', 'ian');
    out = '';
    await run('resume', 'ebg', '--by', 'ian', '--json');
    expect(JSON.parse(out)).toMatchObject({
      accepted: true,
      message: 'resume accepted for ebg; now pending',
      summary: { state: 'pending' },
    });
    expect(process.exitCode).toBeUndefined();
  });

  it('a refused command is E_COMMAND_REFUSED with the reason, and history records the refusal', async () => {
    const e = await failure('approve', 'ebg', '--by', 'ian');
    expect(e.code).toBe('E_COMMAND_REFUSED');
    expect(e.message).toMatch(/^approve refused for ebg: nothing to approve/);
    expect((await history()).filter((x) => x.type === 'command')).toMatchObject([
      { command: 'approve', accepted: false },
    ]);
  });

  it('--json of a refusal prints it and sets exit code 1 instead of throwing', async () => {
    await run('approve', 'ebg', '--json');
    expect(JSON.parse(out)).toMatchObject({ accepted: false });
    expect(process.exitCode).toBe(1);
  });

  it('an unknown rollout is E_NOT_FOUND naming the rollouts directory', async () => {
    const e = await failure('pause', 'nope');
    expect(e.code).toBe('E_NOT_FOUND');
    expect(e.message).toBe(`no valid rollout named "nope" in ${join(dir, 'rollouts')}`);
  });

  it('a --by with a line break is E_USAGE, and nothing is recorded', async () => {
    const e = await failure('pause', 'ebg', '--by', 'ian\n## forged');
    expect(e.code).toBe('E_USAGE');
    expect(await history()).toEqual([]);
  });

  it('a broken rollout file does not disarm pause: the last valid version is used, with a warning', async () => {
    await run('pause', 'ebg', '--by', 'ian');
    await run('resume', 'ebg', '--by', 'ian');
    writeFileSync(join(dir, 'rollouts', 'ebg.yaml'), `${ROLLOUT}stages: [oops\n`);
    out = '';
    await run('pause', 'ebg', '--by', 'ian');
    expect(out).toBe('pause accepted for ebg; now paused\n');
    expect(err).toContain('warning: no valid rollout file for ebg');
    expect(err).toContain('using the last valid version the controller checked');
  });
});
