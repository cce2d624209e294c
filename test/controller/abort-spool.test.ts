import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAbortSpool, spoolDirFor } from '../../src/controller/abort-spool.js';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'stagegate-spool-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const marker = {
  rollout: 'a',
  feature: 'a_enabled',
  by: 'oncall',
  reason: 'bad',
  at: 1_000,
  error: 'ENOSPC',
};

describe('spoolDirFor', () => {
  it('one directory per store; a database URL password never reaches the path', () => {
    const a = spoolDirFor({ state: { type: 'file', dir: '/srv/a' } }, base);
    const b = spoolDirFor({ state: { type: 'file', dir: '/srv/b' } }, base);
    expect(a).not.toBe(b);
    const pg = spoolDirFor(
      { state: { type: 'postgres', url: 'postgres://u:hunter2@db:5432/x', schema: 's', leaseSeconds: 15 } },
      base,
    );
    expect(pg.startsWith(join(base, 'stagegate-unsaved-aborts'))).toBe(true);
    expect(pg).not.toContain('hunter2');
  });
});

describe('createAbortSpool', () => {
  it('put, get, clear', async () => {
    const spool = createAbortSpool(join(base, 'd'));
    expect(await spool.get('a')).toBeUndefined();
    const path = await spool.put(marker);
    expect(path).toBe(join(base, 'd', 'a.json'));
    expect(await spool.get('a')).toEqual(marker);
    await spool.clear('a');
    expect(await spool.get('a')).toBeUndefined();
  });

  it('a torn or foreign file is no marker', async () => {
    const spool = createAbortSpool(base);
    await writeFile(join(base, 'a.json'), '{"rollout":"a","feat');
    expect(await spool.get('a')).toBeUndefined();
    await writeFile(join(base, 'a.json'), JSON.stringify({ ...marker, rollout: 'b' }));
    expect(await spool.get('a')).toBeUndefined();
  });

  it('refuses a name that is not a rollout name (no path traversal)', async () => {
    const spool = createAbortSpool(base);
    await expect(spool.put({ ...marker, rollout: '../x' })).rejects.toThrow(/not a rollout name/);
  });
});
