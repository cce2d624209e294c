import type { Logger } from '../log.js';
import type { StateStore } from '../ports/state-store.js';
import type { MetricsRecorder } from '../ports/observer.js';
import type { Rollout } from '../rollout/types.js';
import type { StateLock } from '../store/state-lock.js';
import type { CommandResult } from '../runtime/commands.js';
import type { Leadership, LeadershipState } from '../ports/leadership.js';
import type { OperatorCommand } from '../runtime/engine-session.js';
import type { Wiring } from './wiring.js';
import type { DuplicateName } from './duplicates.js';

/* The controller's options and face (controller.ts implements it). */

export interface ControllerOptions {
  readonly wiring: Wiring;
  readonly logger: Logger;
  readonly now?: () => number;
  /** how often the store is polled for operator commands; default 1000 ms */
  readonly pollMs?: number;
  /** checks in flight at once during a pass over every rollout; default 16 (see the benchmark) */
  readonly concurrency?: number;
  readonly observer?: MetricsRecorder;
  /** shown to a second controller refused by the lock */
  readonly owner?: string;
  /** replicas on one database: only the leader checks and writes (default: always the leader) */
  readonly leadership?: Leadership;
  /** called with the state-dir lock once held (its heartbeat is the file store's leadership) */
  readonly onLocked?: (lock: StateLock) => void;
  /** the temp dir under which unsaved CLI aborts leave their markers (abort-spool.ts); default os.tmpdir() */
  readonly spoolBase?: string;
}

export interface PassReport {
  readonly rollouts: number;
  readonly checked: number;
  /** finished rollouts (completed, rolled back) that needed no check */
  readonly finished: number;
  /** checks that failed (store unreachable, state unreadable) */
  readonly failed: readonly string[];
  /** rollout files with problems (logged with path:line:col) */
  readonly problems: number;
  readonly durationMs: number;
  /** `runOnce`: rollouts whose rollback write still had not landed when the pass gave up retrying */
  readonly pendingRollbacks?: readonly string[];
}

export interface Controller {
  readonly store: StateStore;
  /**
   * takes the state-dir lock (E_STORE_LOCKED naming the holder); `start` takes it too, but `run` takes it
   * first so that a second controller is refused for the lock, not for an HTTP port already in use
   */
  lock(): Promise<void>;
  /** releases the lock when `start` never ran (the server could not listen) */
  unlock(): Promise<void>;
  /** acquires the lock, loads and schedules every rollout, checks each once, starts watching and polling */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** one check of every rollout, then release (for --once); the lock is taken and released here */
  runOnce(): Promise<PassReport>;
  rollouts(): Rollout[];
  rollout(name: string): Rollout | undefined;
  /** an operator command applied through the store, with its toggle write applied right away */
  command(
    name: string,
    cmd: OperatorCommand,
    meta: { by: string; reason: string | null },
  ): Promise<CommandResult>;
  /** false while starting or stopping, or when the store cannot be listed */
  ready(): Promise<{ ready: boolean; reason: string | null }>;
  /** rollout files ignored because another file claims the same name (the kept one runs) */
  duplicates(): DuplicateName[];
  /** leader or follower, and who holds the lease (a single controller is always the leader) */
  leadershipState(): LeadershipState;
}
