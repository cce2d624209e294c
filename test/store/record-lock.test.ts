import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newHolder, readLockFile, releaseLock, tryCreateLock } from '../../src/store/lock-file.js';
import { withRecordLock } from '../../src/store/record-lock.js';
import { captureLogger } from './helpers.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-record-lock-'));
  file = join(dir, 'checkout.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const opts = (over: { staleMs?: number; waitMs?: number } = {}) => {
  const cap = captureLogger();
  return { cap, opts: { staleMs: 10_000, waitMs: 2_000, logger: cap.logger, ...over } };
};

describe('withRecordLock', () => {
  it('holds the lock during the critical section only, and returns its value', async () => {
    const { opts: o } = opts();
    const seen = await withRecordLock(file, 'checkout', o, async () => readLockFile(file));
    expect(seen).toMatchObject({ owner: 'state save', pid: process.pid });
    expect(await readdir(dir)).toEqual([]);
  });

  it('releases the lock when the critical section throws', async () => {
    const { opts: o } = opts();
    await expect(
      withRecordLock(file, 'checkout', o, async () => {
        throw new Error('save failed');
      }),
    ).rejects.toThrow('save failed');
    expect(await readdir(dir)).toEqual([]);
  });

  it('serializes two sections on one record: the second starts after the first ended', async () => {
    const { opts: o } = opts();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = withRecordLock(file, 'checkout', o, async () => {
      order.push('first in');
      await gate;
      order.push('first out');
    });
    await new Promise((r) => setTimeout(r, 20));
    const second = withRecordLock(file, 'checkout', o, async () => void order.push('second in'));
    await new Promise((r) => setTimeout(r, 50));
    order.push('releasing');
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'releasing', 'first out', 'second in']);
  });

  it('breaks the lock of a dead holder on this host, with a warning naming it', async () => {
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    const dead = { ...newHolder('state save'), pid: pid as number, token: 'killed mid-save' };
    await writeFile(file, JSON.stringify(dead));
    const { opts: o, cap } = opts();
    expect(await withRecordLock(file, 'checkout', o, async () => 'saved')).toBe('saved');
    expect(cap.lines).toContainEqual(
      expect.objectContaining({ msg: 'broke stale record lock', rollout: 'checkout', pid, file }),
    );
  });

  it('breaks a lock older than staleMs whatever its holder, an unreadable one included', async () => {
    await writeFile(file, 'garbage');
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const { opts: o, cap } = opts({ staleMs: 1_000 });
    expect(await withRecordLock(file, 'checkout', o, async () => 'saved')).toBe('saved');
    expect(cap.lines.map((l) => l.msg)).toEqual(['broke stale record lock']);
  });

  it('gives up after waitMs with E_STORE_LOCKED naming the live holder', async () => {
    const other = newHolder('operator command');
    await tryCreateLock(file, other);
    const { opts: o } = opts({ waitMs: 100 });
    let ran = false;
    const err = await withRecordLock(file, 'checkout', o, async () => void (ran = true)).catch(
      (e: unknown) => e,
    );
    expect(ran).toBe(false);
    expect(err).toMatchObject({ code: 'E_STORE_LOCKED', details: { file, name: 'checkout' } });
    expect((err as Error).message).toContain(`stayed locked by pid ${process.pid}`);
    await releaseLock(file, other);
  });
});
