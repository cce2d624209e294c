import { StagegateError } from '../errors.js';
import type { FenceableStore, FenceToken, Leadership, LeadershipState } from '../ports/leadership.js';
import type { HistoryEntry, RolloutRecord, SaveOptions, StateStore } from '../ports/state-store.js';
import type { StateLock } from './state-lock.js';

/*
 * The Leadership port over the file store's state-dir lock (issue 11, "split
 * brain after a freeze"). There is no election: the controller holds the lock
 * for its lifetime. But a controller frozen longer than the stale timeout may
 * have had its lock taken over; it must stop before its next write. The lock
 * says so: held() runs out on the monotonic clock when no heartbeat could
 * verify ownership for (stale timeout − margin), and a heartbeat that finds
 * another holder marks it lost for good. Writes check held() right before
 * they go out (the store's save, a toggle write that raises exposure, which
 * also re-reads the lock file); writes toward off never wait for it.
 *
 * What remains: unlike postgres, the check and the file write are not one
 * transaction; a freeze between them can still let one write through.
 */
export class StateLockLeadership implements Leadership {
  private lock: StateLock | undefined;
  private readonly listeners = new Set<(state: LeadershipState) => void>();

  constructor(private readonly self: string) {}

  /** called once the controller holds the lock */
  attach(lock: StateLock): void {
    this.lock = lock;
    lock.onLost(() => this.emit());
    this.emit();
  }

  isLeader(): boolean {
    return this.lock?.held() ?? false;
  }

  epoch(): number {
    return 0;
  }

  state(): LeadershipState {
    const leader = this.isLeader();
    return {
      role: leader ? 'leader' : 'follower',
      self: this.self,
      lease: { holder: leader ? this.self : null, epoch: 0, expiresAt: null },
    };
  }

  onChange(cb: (state: LeadershipState) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  fence(): FenceToken {
    if (!this.isLeader()) {
      throw new StagegateError(
        'E_FENCED',
        'this controller no longer holds the state-dir lock (taken over, or not verified within the stale timeout)',
        { self: this.self, file: this.lock?.file },
      );
    }
    return { epoch: 0, holder: this.self };
  }

  async confirm(token: FenceToken): Promise<void> {
    if (this.lock && (await this.lock.verify()) && this.isLeader()) return;
    throw new StagegateError('E_FENCED', 'state-dir lock lost: write refused', { holder: token.holder });
  }

  async stop(): Promise<void> {
    this.lock = undefined;
  }

  private emit(): void {
    const state = this.state();
    for (const cb of this.listeners) cb(state);
  }
}

/** A store without epochs as a FenceableStore: the fence is checked right before the write. */
export function lockFencedStore(inner: StateStore, leadership: Leadership): FenceableStore {
  const check = (token: FenceToken): void => {
    const now = leadership.fence();
    if (now.holder !== token.holder)
      throw new StagegateError('E_FENCED', 'write refused: lock holder changed');
  };
  const { scan, health } = inner;
  return {
    ...(scan && { scan: () => scan.call(inner) }),
    ...(health && { health: () => health.call(inner) }),
    load: (name) => inner.load(name),
    save: (record, v, opts) => inner.save(record, v, opts),
    appendHistory: (name, entry) => inner.appendHistory(name, entry),
    history: (name, page) => inner.history(name, page),
    list: () => inner.list(),
    // async: a refused fence is a rejected promise like any other write failure, not a synchronous throw
    async saveFenced(record: RolloutRecord, v: number, token: FenceToken, opts?: SaveOptions) {
      check(token);
      return inner.save(record, v, opts);
    },
    async appendHistoryFenced(name: string, entry: HistoryEntry, token: FenceToken) {
      check(token);
      return inner.appendHistory(name, entry);
    },
  };
}
