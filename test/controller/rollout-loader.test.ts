import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRolloutLoader, type RolloutLoader } from '../../src/controller/rollout-loader.js';
import type { RolloutChange } from '../../src/controller/rollout-diff.js';
import { createLogger } from '../../src/log.js';
import { rolloutYaml } from './rollout-yaml.js';

let dir: string;
let loader: RolloutLoader | undefined;
let lines: Record<string, unknown>[];

function capturingLogger() {
  lines = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return createLogger({ level: 'debug', destination: stream });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-loader-'));
});
afterEach(async () => {
  loader?.close();
  loader = undefined;
  await rm(dir, { recursive: true, force: true });
});

function summarize(changes: RolloutChange[]): string[] {
  return changes.map((c) => `${c.type} ${c.type === 'removed' ? c.previous.name : c.rollout.name}`).sort();
}

describe('rollout loader', () => {
  it('loads every valid file, logs a broken one with path:line:col and skips it', async () => {
    await writeFile(join(dir, 'a.yaml'), rolloutYaml({ name: 'a' }));
    await writeFile(join(dir, 'b.yaml'), rolloutYaml({ name: 'b' }).replace('every: 1s', 'evry: 1s'));
    loader = createRolloutLoader({ dir, logger: capturingLogger() });
    expect(summarize(await loader.reload())).toEqual(['added a']);
    expect(loader.all().map((r) => r.name)).toEqual(['a']);
    const errors = lines.filter((l) => l.msg === 'rollout file invalid, skipped');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(String(errors[0]?.problem)).toMatch(new RegExp(`^${join(dir, 'b.yaml')}:\\d+:\\d+: `));
    expect(errors[0]?.level).toBe(50);
  });

  it('reports added, changed (by spec hash) and removed files while watching', async () => {
    await writeFile(join(dir, 'a.yaml'), rolloutYaml({ name: 'a' }));
    loader = createRolloutLoader({ dir, logger: capturingLogger(), debounceMs: 50 });
    await loader.reload();
    const hashBefore = loader.get('a')?.specHash;
    const seen: string[][] = [];
    const next = () =>
      new Promise<void>((resolve) => {
        const n = seen.length;
        const t = setInterval(() => {
          if (seen.length > n) {
            clearInterval(t);
            resolve();
          }
        }, 10);
      });
    loader.watch((changes) => seen.push(summarize(changes)));

    let waiting = next();
    await writeFile(join(dir, 'c.yaml'), rolloutYaml({ name: 'c' }));
    await waiting;
    expect(seen.at(-1)).toEqual(['added c']);

    waiting = next();
    await writeFile(join(dir, 'a.yaml'), rolloutYaml({ name: 'a', every: '2s' }));
    await waiting;
    expect(seen.at(-1)).toEqual(['changed a']);
    expect(loader.get('a')?.specHash).not.toBe(hashBefore);

    waiting = next();
    await unlink(join(dir, 'c.yaml'));
    await waiting;
    expect(seen.at(-1)).toEqual(['removed c']);
    expect(loader.all().map((r) => r.name)).toEqual(['a']);
  });

  it('keeps the last valid version of a file that becomes invalid', async () => {
    await writeFile(join(dir, 'a.yaml'), rolloutYaml({ name: 'a' }));
    loader = createRolloutLoader({ dir, logger: capturingLogger() });
    await loader.reload();
    const before = loader.get('a');
    await writeFile(join(dir, 'a.yaml'), 'name: a\nstages: [oops\n');
    expect(await loader.reload()).toEqual([]);
    expect(loader.get('a')).toBe(before);
    expect(
      lines.some((l) => l.msg === 'keeping the last valid version of the rollout' && l.rollout === 'a'),
    ).toBe(true);
  });
});
