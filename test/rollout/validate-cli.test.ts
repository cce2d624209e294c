import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The built CLI, spawned as CI runs it. Needs `npx tsc -p .config/tsconfig.build.json`
 * (npm test builds first).
 */

const CLI = 'dist/cli/main.js';
const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function stagegate(args: string[], cwd = process.cwd()): Promise<Result> {
  const env = { ...process.env };
  delete env.STAGEGATE_CONFIG;
  delete env.FLIPPER_API_URL;
  try {
    const { stdout, stderr } = await run(process.execPath, [join(process.cwd(), CLI), ...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const TINY = `name: tiny
toggle: { provider: flipper, feature: tiny }
check: { every: 1m }
stages: [{ name: all, percent: 100 }]
notify: [slack]
`;

describe('stagegate validate', () => {
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CLI))
      throw new Error(`${CLI} is missing: build with npx tsc -p .config/tsconfig.build.json`);
    dir = await mkdtemp(join(tmpdir(), 'stagegate-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 on the committed rollouts', async () => {
    expect(await stagegate(['validate', 'rollouts/'])).toEqual({
      code: 0,
      stdout: '',
      stderr: '2 files, 0 problems\n',
    });
  });

  it('defaults to the rolloutsDir of config/stagegate.yaml', async () => {
    expect(await stagegate(['validate'])).toEqual({ code: 0, stdout: '', stderr: '2 files, 0 problems\n' });
  });

  it('prints one path:line:col line per problem and exits 1', async () => {
    const file = 'test/fixtures/invalid/toggle-key-typo.yaml';
    expect(await stagegate(['validate', file, 'rollouts/vre-eligibility-status-updates.yaml'])).toEqual({
      code: 1,
      stdout:
        `${file}:4:3: toggle: missing required key "feature"\n` +
        `${file}:5:3: toggle.fature: unknown key (did you mean "feature"?)\n`,
      stderr: '2 files, 2 problems\n',
    });
  });

  it('prints GitHub Actions annotations with --format github', async () => {
    const file = 'test/fixtures/invalid/criterion-unknown-metric.yaml';
    expect(await stagegate(['validate', '--format', 'github', file])).toEqual({
      code: 1,
      stdout: `::error file=${file},line=28,col=7::criteria.advance[0]: unknown metric "eror_rate" (did you mean "error_rate"?)\n`,
      stderr: '1 file, 1 problem\n',
    });
  });

  it('reports an unreadable path as a problem line, never a stack trace', async () => {
    const result = await stagegate(['validate', 'no/such/dir', '--format', 'github']);
    expect(result).toEqual({
      code: 1,
      stdout: '::error file=no/such/dir::no such file or directory\n',
      stderr: '0 files, 1 problem\n',
    });
  });

  it('refuses a directory without rollout files rather than passing silently', async () => {
    const empty = join(dir, 'no-rollouts');
    await mkdir(empty);
    await writeFile(join(empty, 'README.txt'), 'rollouts go here');
    expect(await stagegate(['validate', empty])).toEqual({
      code: 1,
      stdout: `${empty}: no rollout files (*.yaml, *.yml) found\n`,
      stderr: '0 files, 1 problem\n',
    });
  });

  it('checks provider and notifier names against the config given with --config', async () => {
    const config = join(dir, 'stagegate.yaml');
    await writeFile(config, 'toggles:\n  flipr: { type: file, path: t.json }\nnotifiers: {}\n');
    const rollout = join(dir, 'tiny.yaml');
    await writeFile(rollout, TINY);
    expect(await stagegate(['--config', config, 'validate', rollout])).toEqual({
      code: 1,
      stdout:
        `${rollout}:2:21: toggle.provider: unknown toggle provider "flipper" (did you mean "flipr"?)\n` +
        `${rollout}:5:10: notify[0]: unknown notifier "slack" (the config defines no notifiers)\n`,
      stderr: '1 file, 2 problems\n',
    });
  });

  it('skips provider names when there is no config', async () => {
    const rollout = join(dir, 'tiny.yaml');
    await writeFile(rollout, TINY);
    expect(await stagegate(['validate', rollout], dir)).toEqual({
      code: 0,
      stdout: '',
      stderr: '1 file, 0 problems\n',
    });
  });

  it('reports a config named with --config that does not exist', async () => {
    const missing = join(dir, 'missing.yaml');
    const result = await stagegate(['--config', missing, 'validate', 'rollouts/']);
    expect(result).toEqual({
      code: 1,
      stdout: `${missing}: cannot read the config file: no such file or directory\n`,
      stderr: '2 files, 1 problem\n',
    });
  });

  it('rejects an unknown --format as a usage error (exit 2)', async () => {
    const result = await stagegate(['validate', '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, github.",
    );
  });
});

describe('stagegate schema', () => {
  it('prints exactly config/rollout.schema.json', async () => {
    expect(await stagegate(['schema'])).toEqual({
      code: 0,
      stdout: readFileSync('config/rollout.schema.json', 'utf8'),
      stderr: '',
    });
  });
});
