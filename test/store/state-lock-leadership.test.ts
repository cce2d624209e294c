import { describe, expect, it } from 'vitest';
import { historyEntry } from '../../src/ports/history.js';
import type { LeadershipState } from '../../src/ports/leadership.js';
import { newHolder } from '../../src/store/lock-file.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import type { StateLock } from '../../src/store/state-lock.js';
import { lockFencedStore, StateLockLeadership } from '../../src/store/state-lock-leadership.js';
import { record } from './helpers.js';

/** a StateLock whose ownership the test decides */
function fakeLock() {
  const lost = new Set<() => void>();
  const s = { held: true, verified: true, verifies: 0 };
  const lock: StateLock = {
    file: '/state/controller.lock',
    holder: newHolder('controller'),
    takenOverFrom: null,
    held: () => s.held,
    verify: async () => (s.verifies++, s.verified),
    onLost: (cb) => (lost.add(cb), () => lost.delete(cb)),
    release: async () => undefined,
  };
  const loseIt = () => {
    s.held = false;
    for (const cb of lost) cb();
  };
  return { lock, s, loseIt };
}

describe('StateLockLeadership', () => {
  it('is a follower until it holds the lock, then the leader, announcing both changes', () => {
    const leadership = new StateLockLeadership('web-1');
    const states: LeadershipState[] = [];
    leadership.onChange((st) => void states.push(st));
    expect(leadership.isLeader()).toBe(false);
    expect(leadership.state()).toEqual({
      role: 'follower',
      self: 'web-1',
      lease: { holder: null, epoch: 0, expiresAt: null },
    });
    const { lock, loseIt } = fakeLock();
    leadership.attach(lock);
    expect(leadership.isLeader()).toBe(true);
    loseIt();
    expect(states.map((st) => [st.role, st.lease.holder])).toEqual([
      ['leader', 'web-1'],
      ['follower', null],
    ]);
    expect(leadership.epoch()).toBe(0);
  });

  it('fence() throws E_FENCED naming the lock file when the lock is no longer held', () => {
    const leadership = new StateLockLeadership('web-1');
    const { lock, s } = fakeLock();
    leadership.attach(lock);
    expect(leadership.fence()).toEqual({ epoch: 0, holder: 'web-1' });
    s.held = false; // frozen past the stale timeout: held() ran out
    expect(() => leadership.fence()).toThrow(
      expect.objectContaining({
        code: 'E_FENCED',
        details: { self: 'web-1', file: '/state/controller.lock' },
      }),
    );
  });

  it('confirm() re-reads the lock file and refuses when it is someone else’s', async () => {
    const leadership = new StateLockLeadership('web-1');
    const { lock, s } = fakeLock();
    leadership.attach(lock);
    const token = leadership.fence();
    await expect(leadership.confirm(token)).resolves.toBeUndefined();
    expect(s.verifies).toBe(1);
    s.verified = false;
    await expect(leadership.confirm(token)).rejects.toMatchObject({
      code: 'E_FENCED',
      message: 'state-dir lock lost: write refused',
    });
  });

  it('after stop() it is no leader and refuses to confirm', async () => {
    const leadership = new StateLockLeadership('web-1');
    leadership.attach(fakeLock().lock);
    await leadership.stop();
    expect(leadership.isLeader()).toBe(false);
    await expect(leadership.confirm({ epoch: 0, holder: 'web-1' })).rejects.toMatchObject({
      code: 'E_FENCED',
    });
  });

  it('an unsubscribed listener hears nothing more', () => {
    const leadership = new StateLockLeadership('web-1');
    const heard: string[] = [];
    const off = leadership.onChange((st) => void heard.push(st.role));
    off();
    leadership.attach(fakeLock().lock);
    expect(heard).toEqual([]);
  });
});

describe('lockFencedStore', () => {
  it('fenced writes go through while the lock is held, and are refused once it is lost, writing nothing', async () => {
    const inner = new MemoryStateStore();
    const leadership = new StateLockLeadership('web-1');
    const { lock, s } = fakeLock();
    leadership.attach(lock);
    const store = lockFencedStore(inner, leadership);
    const token = leadership.fence();
    await store.saveFenced(record('r1'), 0, token);
    const entry = historyEntry({ type: 'spec', at: 1, specHash: 'sha256:a', source: null });
    await store.appendHistoryFenced('r1', entry, token);
    s.held = false;
    await expect(store.saveFenced(record('r1'), 1, token)).rejects.toMatchObject({ code: 'E_FENCED' });
    await expect(store.appendHistoryFenced('r1', entry, token)).rejects.toMatchObject({ code: 'E_FENCED' });
    expect((await inner.load('r1'))?.version).toBe(1);
    expect(await inner.history('r1')).toHaveLength(1);
  });

  it('refuses a token of another holder', async () => {
    const leadership = new StateLockLeadership('web-1');
    leadership.attach(fakeLock().lock);
    const store = lockFencedStore(new MemoryStateStore(), leadership);
    await expect(store.saveFenced(record('r1'), 0, { epoch: 0, holder: 'web-2' })).rejects.toMatchObject({
      code: 'E_FENCED',
      message: 'write refused: lock holder changed',
    });
  });

  it('unfenced calls pass through; scan and health only where the inner store has them', async () => {
    const inner = new MemoryStateStore();
    const store = lockFencedStore(inner, new StateLockLeadership('web-1'));
    await store.save(record('r1'), 0);
    expect((await store.list()).map((r) => r.name)).toEqual(['r1']);
    expect(await store.load('r1')).toMatchObject({ version: 1 });
    expect('scan' in store).toBe(false);
    const withHealth = Object.assign(new MemoryStateStore(), {
      health: () => ({ ok: false, problem: 'disk full', errno: 'ENOSPC', since: 5 }),
    });
    expect(lockFencedStore(withHealth, new StateLockLeadership('x')).health?.()).toMatchObject({
      errno: 'ENOSPC',
    });
  });
});
