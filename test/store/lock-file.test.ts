import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  breakLock,
  holderIsDead,
  lockAgeMs,
  newHolder,
  readLockFile,
  releaseLock,
  releaseLockUnchecked,
  tryCreateLock,
  type LockHolder,
} from '../../src/store/lock-file.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-lock-file-'));
  file = join(dir, 'controller.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** a holder whose process has exited */
function deadHolder(): LockHolder {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return { ...newHolder('previous run'), pid: pid as number, token: 'dead-token' };
}

describe('tryCreateLock / readLockFile', () => {
  it('creates the lock once, naming its holder; a second holder is refused; no staging file is left', async () => {
    const a = newHolder('controller');
    expect(a).toMatchObject({ pid: process.pid, hostname: hostname(), owner: 'controller' });
    expect(await tryCreateLock(file, a)).toBe(true);
    expect(await tryCreateLock(file, newHolder('other'))).toBe(false);
    expect(await readLockFile(file)).toEqual(a);
    expect(await readdir(dir)).toEqual(['controller.lock']);
  });

  it('reads a missing lock as gone and a damaged one as unreadable', async () => {
    expect(await readLockFile(file)).toBe('gone');
    await writeFile(file, '');
    expect(await readLockFile(file)).toBe('unreadable');
    await writeFile(file, JSON.stringify({ pid: -1, hostname: 'h', owner: 'o', since: 's', token: 't' }));
    expect(await readLockFile(file)).toBe('unreadable');
  });
});

describe('holderIsDead', () => {
  it('a lock this process holds is alive; the same pid from a previous run is dead', async () => {
    const mine = newHolder('controller');
    await tryCreateLock(file, mine);
    expect(holderIsDead(mine)).toBe(false);
    expect(holderIsDead({ ...mine, token: 'a previous run with our pid' })).toBe(true);
  });

  it('an exited pid on this host is dead; a live one, or any on another host, is not', () => {
    expect(holderIsDead(deadHolder())).toBe(true);
    expect(holderIsDead({ ...newHolder('x'), pid: process.ppid, token: 'parent' })).toBe(false);
    expect(holderIsDead({ ...deadHolder(), hostname: `not-${hostname()}` })).toBe(false);
  });
});

describe('breakLock', () => {
  it('removes a lock still judged dead under the breaker, and leaves no breaker', async () => {
    const dead = deadHolder();
    await writeFile(file, JSON.stringify(dead));
    const seen: unknown[] = [];
    expect(await breakLock(file, (current) => (seen.push(current), true))).toBe('broken');
    expect(seen).toEqual([dead]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('is "changed" when the lock was replaced or is gone, and keeps it', async () => {
    const fresh = newHolder('new controller');
    await tryCreateLock(file, fresh);
    expect(await breakLock(file, () => false)).toBe('changed');
    expect(await readLockFile(file)).toEqual(fresh);
    await releaseLock(file, fresh);
    expect(await breakLock(file, () => true)).toBe('changed');
  });

  it('is "busy" while another process breaks it; a breaker left by a killed process is cleared', async () => {
    await writeFile(file, JSON.stringify(deadHolder()));
    await writeFile(`${file}.break`, '');
    expect(await breakLock(file, () => true)).toBe('busy');
    expect(await readdir(dir)).toContain('controller.lock.break');
    const old = new Date(Date.now() - 60_000);
    await utimes(`${file}.break`, old, old);
    expect(await breakLock(file, () => true)).toBe('busy');
    expect(await readdir(dir)).toEqual(['controller.lock']);
    expect(await breakLock(file, () => true)).toBe('broken');
  });
});

describe('releaseLock / releaseLockUnchecked / lockAgeMs', () => {
  it('releases only a lock it still holds', async () => {
    const a = newHolder('a');
    await tryCreateLock(file, a);
    expect(await releaseLock(file, { ...a, token: 'someone else' })).toBe(false);
    expect(await readLockFile(file)).toEqual(a);
    expect(await releaseLock(file, a)).toBe(true);
    expect(await readLockFile(file)).toBe('gone');
    expect(await releaseLock(file, a)).toBe(false);
  });

  it('after release, the holder no longer counts as held here', async () => {
    const a = newHolder('a');
    await tryCreateLock(file, a);
    await releaseLockUnchecked(file, a);
    expect(await readLockFile(file)).toBe('gone');
    expect(holderIsDead(a)).toBe(true);
    // already gone: not an error
    await expect(releaseLockUnchecked(file, a)).resolves.toBeUndefined();
  });

  it('gives the age of a lock file, undefined when gone', async () => {
    expect(await lockAgeMs(file)).toBeUndefined();
    await writeFile(file, '{}');
    const old = new Date(Date.now() - 30_000);
    await utimes(file, old, old);
    expect(await lockAgeMs(file)).toBeGreaterThanOrEqual(29_000);
  });
});
