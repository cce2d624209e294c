import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRolloutLoader, type RolloutLoader } from '../../src/controller/rollout-loader.js';
import type { RolloutChange } from '../../src/controller/rollout-diff.js';
import { silentLogger } from '../../src/log.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/*
 * Issue 11 item 3 and the duplicate-name finding: the rollouts dir replaced
 * under a running controller (git checkout, a deploy swapping the dir, a
 * Kubernetes ConfigMap's atomic `..data` symlink swap), and two files with
 * one `name:`. Real directories, symlinks and renames.
 */

let root: string;
let loader: RolloutLoader | undefined;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'stagegate-rdir-'));
});
afterEach(async () => {
  loader?.close();
  loader = undefined;
  await rm(root, { recursive: true, force: true });
});

/** resolves with the next batch of changes the watching loader reports */
function watching(l: RolloutLoader): () => Promise<RolloutChange[]> {
  const queue: RolloutChange[][] = [];
  let wake: (() => void) | undefined;
  l.watch((changes) => {
    queue.push(changes);
    wake?.();
  });
  return async () => {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    return queue.shift() as RolloutChange[];
  };
}

const names = (changes: RolloutChange[]) =>
  changes.map((c) => `${c.type} ${c.type === 'removed' ? c.previous.name : c.rollout.name}`).sort();

describe('a rollouts dir that is replaced', () => {
  it('keeps every rollout while the dir is gone, and follows the new dir (new inode)', async () => {
    const dir = join(root, 'rollouts');
    await mkdir(dir);
    await writeFile(join(dir, 'a.yaml'), rolloutYaml({ name: 'a' }));
    await writeFile(join(dir, 'b.yaml'), rolloutYaml({ name: 'b' }));
    loader = createRolloutLoader({ dir, logger: silentLogger(), debounceMs: 20, rescanMs: 100 });
    await loader.reload();
    const next = watching(loader);
    await new Promise((r) => setTimeout(r, 50));

    await rm(dir, { recursive: true });
    // the reload while the dir is missing changes nothing: both stay scheduled
    await new Promise((r) => setTimeout(r, 250));
    expect(
      loader
        .all()
        .map((r) => r.name)
        .sort(),
    ).toEqual(['a', 'b']);

    await mkdir(dir);
    await writeFile(join(dir, 'a.yaml'), rolloutYaml({ name: 'a', window: '20s' }));
    await writeFile(join(dir, 'b.yaml'), rolloutYaml({ name: 'b' }));
    expect(names(await next())).toEqual(['changed a']);
    // and the new dir is watched: a later edit is seen too
    await writeFile(join(dir, 'c.yaml'), rolloutYaml({ name: 'c' }));
    expect(names(await next())).toEqual(['added c']);
  }, 15_000);

  it('loads a ConfigMap-shaped dir through its symlinks and follows the atomic ..data swap', async () => {
    const dir = join(root, 'cm');
    await mkdir(join(dir, '..2026_01_01_v1'), { recursive: true });
    await writeFile(join(dir, '..2026_01_01_v1', 'a.yaml'), rolloutYaml({ name: 'a' }));
    await symlink('..2026_01_01_v1', join(dir, '..data'));
    await symlink('..data/a.yaml', join(dir, 'a.yaml'));
    loader = createRolloutLoader({ dir, logger: silentLogger(), debounceMs: 20, rescanMs: 100 });
    expect(names(await loader.reload())).toEqual(['added a']);
    const next = watching(loader);
    await new Promise((r) => setTimeout(r, 50));

    // what the kubelet does: write the new version aside, then rename a new ..data symlink over the old
    await mkdir(join(dir, '..2026_01_02_v2'));
    await writeFile(join(dir, '..2026_01_02_v2', 'a.yaml'), rolloutYaml({ name: 'a', window: '30s' }));
    await symlink('..2026_01_02_v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..2026_01_01_v1'), { recursive: true });
    expect(names(await next())).toEqual(['changed a']);
    expect(loader.problems()).toEqual([]);
  }, 15_000);
});

describe('two files with the same name', () => {
  it('keeps the file that was running and reports the newcomer, wherever it sorts', async () => {
    const dir = join(root, 'rollouts');
    await mkdir(dir);
    await writeFile(join(dir, 'm-running.yaml'), rolloutYaml({ name: 'shared' }));
    loader = createRolloutLoader({ dir, logger: silentLogger() });
    await loader.reload();
    await writeFile(join(dir, 'a-newcomer.yaml'), rolloutYaml({ name: 'shared', window: '45s' }));
    expect(await loader.reload()).toEqual([]);
    expect(loader.get('shared')?.source).toBe(join(dir, 'm-running.yaml'));
    expect(loader.problems().map((p) => p.message)).toEqual([
      `name: duplicate rollout name "shared" (also in ${join(dir, 'm-running.yaml')})`,
    ]);
    expect(loader.problems()[0]?.path).toBe(join(dir, 'a-newcomer.yaml'));
  });
});
