import type { HistoryEntry, RolloutRecord, SaveOptions, StateStore } from './state-store.js';

/*
 * Leadership port (DESIGN.md §5, issue 14). With several `stagegate run`
 * replicas on one database exactly one acts: it checks, writes toggles up and
 * saves records. The others stay ready and serve reads. Leadership is a lease
 * with an expiry and a monotonically increasing epoch; every act of the leader
 * carries its epoch (a FenceToken), and the state store refuses a save whose
 * epoch is no longer the newest, so a leader that froze past its lease and woke
 * up cannot overwrite what its successor did.
 */

/** The proof of leadership a write carries. */
export interface FenceToken {
  readonly epoch: number;
  readonly holder: string;
}

/** Who holds the lease, as last read from the database. */
export interface LeaseInfo {
  /** the replica id of the holder; null when nobody ever held it */
  readonly holder: string | null;
  readonly epoch: number;
  /** epoch ms by the database clock; null when nobody ever held it */
  readonly expiresAt: number | null;
}

export interface LeadershipState {
  readonly role: 'leader' | 'follower';
  /** this replica */
  readonly self: string;
  readonly lease: LeaseInfo;
}

export interface Leadership {
  /** true only while the lease is held and not past its local deadline (a frozen process wakes up as follower) */
  isLeader(): boolean;
  /** our epoch while leader, else the newest epoch seen (for the stagegate_lease_epoch gauge) */
  epoch(): number;
  state(): LeadershipState;
  /** called on every change of role or epoch; returns the unsubscribe */
  onChange(cb: (state: LeadershipState) => void): () => void;
  /** the token for a write now; throws StagegateError E_FENCED when not leader */
  fence(): FenceToken;
  /**
   * Asks the database that `token` is still the live lease (holder, epoch, not
   * expired by the database clock): call right before an exposure-raising
   * toggle write. Throws E_FENCED when it is not.
   */
  confirm(token: FenceToken): Promise<void>;
  /** stops renewing and releases the lease so a follower takes over at once */
  stop(): Promise<void>;
}

/** A store that checks a fence token in the same transaction as the write. */
export interface FenceableStore extends StateStore {
  /** `save` with the epoch checked atomically: E_FENCED when a newer epoch exists */
  saveFenced(
    record: RolloutRecord,
    expectedVersion: number,
    token: FenceToken,
    opts?: SaveOptions,
  ): Promise<RolloutRecord>;
  /** `appendHistory` with the same check */
  appendHistoryFenced(name: string, entry: HistoryEntry, token: FenceToken): Promise<void>;
}

/** The values of the Prometheus gauges stagegate_leader and stagegate_lease_epoch. */
export function leadershipGauges(l: Leadership): { readonly leader: 0 | 1; readonly epoch: number } {
  return { leader: l.isLeader() ? 1 : 0, epoch: l.epoch() };
}

/** One line for /readyz and `status`: who acts now. */
export function describeLeadership(state: LeadershipState): string {
  const { lease } = state;
  if (state.role === 'leader') return `leader (${state.self}, lease epoch ${lease.epoch})`;
  if (lease.holder === null) return `follower (${state.self}); no replica holds the lease yet`;
  const until = lease.expiresAt === null ? '' : `, lease until ${new Date(lease.expiresAt).toISOString()}`;
  return `follower (${state.self}); leader is ${lease.holder} (epoch ${lease.epoch}${until})`;
}

/**
 * The leadership of a store that has no replicas (file, memory): always the
 * leader, epoch 0, nothing to renew. Lets the runtime treat every store alike.
 */
export function soleLeadership(self = 'local'): Leadership {
  const state: LeadershipState = { role: 'leader', self, lease: { holder: self, epoch: 0, expiresAt: null } };
  return {
    isLeader: () => true,
    epoch: () => 0,
    state: () => state,
    onChange: () => () => undefined,
    fence: () => ({ epoch: 0, holder: self }),
    confirm: async () => undefined,
    stop: async () => undefined,
  };
}

/** One line for `stagegate status` and `stagegate state lease`, read from outside the election: who acts now. */
export function leaseHolderLine(lease: LeaseInfo, now: number): string {
  if (lease.holder === null || lease.expiresAt === null)
    return 'leader: none (no replica has held the lease yet)';
  const at = new Date(lease.expiresAt).toISOString();
  if (lease.expiresAt > now) return `leader: ${lease.holder} (lease epoch ${lease.epoch}, expires ${at})`;
  return `leader: none (lease epoch ${lease.epoch} of ${lease.holder} EXPIRED ${at}; a replica takes over at its next attempt)`;
}
