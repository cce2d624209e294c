import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { StagegateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { FenceToken, LeaseInfo, Leadership, LeadershipState } from '../../ports/leadership.js';
import { acquireLease, channelFor, leaseIsLive, readLease, releaseLease, renewLease } from './lease-sql.js';
import type { PgListener } from './listener.js';
import { quoteSchema } from './sql-ident.js';

/*
 * Leader election by a lease row (issue 14). The leader renews every third
 * of the lease; followers try to take it over every `pollMs` (and at once
 * when the leader releases it on a clean stop). Expiry is decided by the
 * database clock, but the leader also keeps a LOCAL deadline on the monotonic
 * clock, measured from when its last successful renewal was SENT, minus a
 * margin: the database cannot have expired the lease before that moment, and
 * the leader counts itself a follower from then on. A process frozen past its
 * lease (SIGSTOP, a long GC, a VM pause) therefore wakes up as a follower
 * before it runs any other code, and its writes are refused anyway by the
 * epoch check in the store (E_FENCED). An advisory lock alone would not do:
 * a frozen process keeps its session, and with it the lock.
 */

export interface PgLeadershipOptions {
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly leaseSeconds: number;
  /** this replica's id in the lease row; default host/pid/random */
  readonly self?: string;
  /** how often a follower tries to take over; default min(1 s, lease / 3) */
  readonly pollMs?: number;
  readonly listener?: PgListener;
  readonly logger?: Logger;
  /** monotonic ms; tests swap it */
  readonly monotonic?: () => number;
}

export function replicaId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

export class PgLeadership implements Leadership {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly s: string;
  private readonly self: string;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly pollMs: number;
  private readonly marginMs: number;
  private readonly mono: () => number;
  private readonly listeners = new Set<(state: LeadershipState) => void>();
  private lease: LeaseInfo = { holder: null, epoch: 0, expiresAt: null };
  private ourEpoch = 0;
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private lastEmitted = '';

  constructor(private readonly opts: PgLeadershipOptions) {
    this.pool = opts.pool;
    this.schema = opts.schema;
    this.s = quoteSchema(opts.schema);
    this.self = opts.self ?? replicaId();
    this.leaseMs = opts.leaseSeconds * 1000;
    this.renewMs = this.leaseMs / 3;
    this.pollMs = opts.pollMs ?? Math.min(1_000, this.renewMs);
    this.marginMs = Math.min(500, this.leaseMs / 10);
    this.mono = opts.monotonic ?? (() => performance.now());
  }

  /** first attempt now, then renew / poll on timers */
  async start(): Promise<void> {
    this.running = true;
    if (this.opts.listener) {
      this.unlisten = await this.opts.listener.listen(channelFor('lease', this.schema), () => this.kick());
    }
    await this.tick();
  }

  isLeader(): boolean {
    return this.ourEpoch > 0 && this.mono() < this.deadline;
  }

  epoch(): number {
    return this.isLeader() ? this.ourEpoch : this.lease.epoch;
  }

  state(): LeadershipState {
    return { role: this.isLeader() ? 'leader' : 'follower', self: this.self, lease: this.lease };
  }

  onChange(cb: (state: LeadershipState) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  fence(): FenceToken {
    if (!this.isLeader()) {
      throw new StagegateError('E_FENCED', 'not the leader: this replica does not hold the lease', {
        self: this.self,
        holder: this.lease.holder,
        epoch: this.lease.epoch,
      });
    }
    return { epoch: this.ourEpoch, holder: this.self };
  }

  async confirm(token: FenceToken): Promise<void> {
    let live = this.isLeader() && token.epoch === this.ourEpoch;
    let why = 'is no longer live';
    try {
      live = live && (await leaseIsLive(this.pool, this.s, token.holder, token.epoch)) && this.isLeader();
    } catch {
      // a lease nobody can confirm raises nothing: exposure waits for the database
      live = false;
      why = 'cannot be confirmed (database unreachable)';
    }
    if (live) return;
    this.kick();
    throw new StagegateError('E_FENCED', `lease epoch ${token.epoch} ${why}: write refused`, {
      epoch: token.epoch,
      holder: token.holder,
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.deadlineTimer);
    this.unlisten?.();
    await this.ticking;
    const epoch = this.ourEpoch;
    if (epoch > 0) {
      this.ourEpoch = 0;
      this.deadline = 0;
      await releaseLease(this.pool, this.s, this.schema, this.self, epoch).catch(() => undefined);
      this.emit();
    }
  }

  /** an immediate attempt (a release was announced, or a write found the lease gone) */
  private kick(): void {
    if (!this.running || this.ticking) return;
    clearTimeout(this.timer);
    void this.tick();
  }

  private tick(): Promise<void> {
    this.ticking = this.attempt().finally(() => {
      this.ticking = undefined;
      this.emit();
      if (!this.running) return;
      this.timer = setTimeout(() => void this.tick(), this.isLeader() ? this.renewMs : this.pollMs);
    });
    return this.ticking;
  }

  private async attempt(): Promise<void> {
    const sentAt = this.mono();
    try {
      if (this.isLeader()) {
        const renewed = await renewLease(this.pool, this.s, this.self, this.ourEpoch, this.leaseMs);
        if (renewed) return this.held(renewed, sentAt);
        this.opts.logger?.warn({ self: this.self, epoch: this.ourEpoch }, 'leader lease lost');
        this.ourEpoch = 0;
      }
      const acquired = await acquireLease(this.pool, this.s, this.self, this.leaseMs);
      if (acquired) {
        this.opts.logger?.info({ self: this.self, epoch: acquired.epoch }, 'leader lease acquired');
        return this.held(acquired, sentAt);
      }
      this.ourEpoch = 0;
      this.lease = await readLease(this.pool, this.s);
    } catch (err) {
      // unreachable database: a leader keeps acting until its local deadline, never past it
      this.opts.logger?.warn(
        { err: { message: err instanceof Error ? err.message : String(err) } },
        'lease attempt failed',
      );
    }
  }

  private held(lease: LeaseInfo, sentAt: number): void {
    this.lease = lease;
    this.ourEpoch = lease.epoch;
    this.deadline = sentAt + this.leaseMs - this.marginMs;
    clearTimeout(this.deadlineTimer);
    // say "follower" at the deadline even if the renewal is stuck in a hung query
    this.deadlineTimer = setTimeout(() => this.emit(), Math.max(0, this.deadline - this.mono()) + 1);
  }

  private emit(): void {
    const state = this.state();
    const key = `${state.role}:${state.lease.epoch}:${state.lease.holder ?? ''}`;
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    for (const cb of this.listeners) cb(state);
  }
}
