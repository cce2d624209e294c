import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { StagegateError } from '../../src/errors.js';
import { formatProblem } from '../../src/rollout/errors.js';
import { checkRolloutPaths } from '../../src/rollout/loader.js';
import { readSource } from '../../src/rollout/read-source.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/*
 * Issue 11: a FIFO as a rollout file hung the loader (open blocks for a
 * writer), /dev/zero read 512 MB. Real FIFOs and devices here; each must come
 * back at once as a one-line problem.
 */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-badfiles-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rollout and config files are regular files of at most 1 MiB', () => {
  it('refuses a FIFO (no writer: it would block forever) and a character device', async () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(await readSource(fifo)).toEqual({ path: fifo, line: 0, col: 0, message: 'not a regular file' });
    expect(await readSource('/dev/zero')).toEqual({
      path: '/dev/zero',
      line: 0,
      col: 0,
      message: 'not a regular file',
    });
  });

  it('reports a FIFO inside the rollouts dir instead of hanging, and loads the other files', async () => {
    execFileSync('mkfifo', [join(dir, 'a-pipe.yaml')]);
    await writeFile(join(dir, 'b.yaml'), rolloutYaml({ name: 'b' }));
    const { rollouts, problems } = await checkRolloutPaths([dir]);
    expect(rollouts.map((r) => r.name)).toEqual(['b']);
    expect(problems.map(formatProblem)).toEqual([`${join(dir, 'a-pipe.yaml')}: not a regular file`]);
  });

  it('stops reading past the cap, whatever the size says', async () => {
    const big = join(dir, 'big.yaml');
    await writeFile(big, Buffer.alloc(1024 * 1024 + 1, 0x61));
    expect(await readSource(big)).toMatchObject({
      message: 'larger than 1 MiB, the limit for a rollout or config file',
    });
  });

  it('gives one line naming the path for /dev/zero as the config', async () => {
    const err = await loadConfig('/dev/zero').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StagegateError);
    expect((err as StagegateError).message).toBe(
      '/dev/zero: cannot read the config file: not a regular file',
    );
  });
});
