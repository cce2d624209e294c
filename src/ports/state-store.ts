import type { HistoryEntry } from './history.js';
import type { Rollout } from '../rollout/types.js';
import type { Gate } from './toggle-provider.js';

/*
 * State port (DESIGN.md §5). One record per rollout, saved with optimistic
 * concurrency (`expectedVersion`), and an append-only history. Operator
 * commands from the CLI and the running controller both go through here, so a
 * stale writer gets E_STORE_CONFLICT instead of silently overwriting.
 */

export const ROLLOUT_STATES = [
  'pending',
  'running',
  'awaiting_approval',
  'paused',
  'rolling_back',
  'rolled_back',
  'completed',
] as const;

export type RolloutState = (typeof ROLLOUT_STATES)[number];

/** A toggle write persisted before it is made, so a crash in between re-applies it on restart. */
export interface ToggleIntent {
  readonly id: string;
  readonly action: 'set' | 'disable' | 'enable';
  /** the percent the toggle must show afterwards (0 for disable) */
  readonly percent: number;
  readonly gate: Gate;
  /** for `disable`: zero the percentage or turn the boolean gate off */
  readonly mode?: 'zero' | 'disable';
  readonly at: number;
}

/** What `status` shows without restoring the machine. */
export interface RolloutSummary {
  readonly state: RolloutState;
  readonly stage: string | null;
  readonly stageIndex: number;
  /** what the toggle was last set to */
  readonly percent: number;
  /** why it is held, paused or rolled back; null when advancing normally */
  readonly reason: string | null;
  /** epoch ms of the last completed check */
  readonly lastCheck: number | null;
}

export interface RolloutRecord {
  readonly name: string;
  /** incremented by every save; 0 means never saved */
  readonly version: number;
  readonly specHash: string;
  /** the engine's persisted machine snapshot: plain, versioned JSON */
  readonly snapshot: unknown;
  readonly intent: ToggleIntent | null;
  readonly summary: RolloutSummary;
  readonly updatedAt: number;
  /**
   * The rollout file as the controller last checked it (normalized): operator
   * commands and `status` use it while the file on disk is invalid. Absent in
   * records written before 0.2.
   */
  readonly spec?: Rollout;
}

export type { HistoryEntry } from './history.js';

/** `history(name, page)`: the newest entries first skipped, then the `limit` before them, in causal order. */
export interface HistoryPage {
  /** how many of the newest entries to skip (the count a reader paging backwards already has); default 0 */
  readonly before?: number;
  /** at most this many entries (the newest ones before `before`); default all */
  readonly limit?: number;
}

/** A record the store holds but cannot read, reported for that rollout alone. */
export interface StoreProblem {
  readonly name: string;
  readonly code: 'E_STORE_CORRUPT' | 'E_STORE_IO' | 'E_STORE_UNAVAILABLE';
  readonly message: string;
  /** the file (or table row) at fault, when there is one */
  readonly path: string | null;
}

/** Every record the store can read, plus one problem per record it cannot. */
export interface StoreScan {
  readonly records: RolloutRecord[];
  readonly problems: StoreProblem[];
}

/** Whether writes are getting through; for /readyz and the runtime's "write the toggle off anyway". */
export interface StoreHealth {
  readonly ok: boolean;
  /** e.g. "cannot write /var/lib/stagegate/rollouts: ENOSPC (disk full)"; null when ok */
  readonly problem: string | null;
  /** the errno of the last failing write (ENOSPC, EROFS, EDQUOT, EMFILE, ...) */
  readonly errno: string | null;
  /** epoch ms of the first failure in the current run of failures */
  readonly since: number | null;
}

/**
 * What a save carries besides the record: the history entries of the step that
 * produced it, committed with the record or not at all (issue 14). A conflict
 * or a fenced refusal appends none of them; a kill after the save loses none.
 */
export interface SaveOptions {
  /** appended after every entry already in the history, in this order */
  readonly history?: readonly HistoryEntry[];
}

export interface StateStore {
  /** throws E_STORE_CORRUPT (details.path) when the record exists but cannot be decoded */
  load(name: string): Promise<RolloutRecord | undefined>;
  /**
   * throws StagegateError E_STORE_CONFLICT when the stored version is not `expectedVersion`,
   * E_STORE_UNAVAILABLE (details.errno) when the disk is full or read-only. `opts.history` is
   * committed atomically with the record: both or neither.
   */
  save(record: RolloutRecord, expectedVersion: number, opts?: SaveOptions): Promise<RolloutRecord>;
  appendHistory(name: string, entry: HistoryEntry): Promise<void>;
  history(name: string, page?: HistoryPage): Promise<HistoryEntry[]>;
  /** every readable record; one unreadable record is left out (see `scan`), never a throw */
  list(): Promise<RolloutRecord[]>;
  /** optional: `list` plus the records it left out and why (use `scanStore`) */
  scan?(): Promise<StoreScan>;
  /** optional: the state of writes (use `storeHealth`) */
  health?(): StoreHealth;
}

/** `store.scan()` where the store has it; otherwise `list()` with no problems (older or wrapping stores). */
export async function scanStore(store: StateStore): Promise<StoreScan> {
  if (typeof store.scan === 'function') return store.scan();
  return { records: await store.list(), problems: [] };
}

const HEALTHY: StoreHealth = { ok: true, problem: null, errno: null, since: null };

/** `store.health()` where the store has it; otherwise healthy (its failures show up as thrown errors). */
export function storeHealth(store: StateStore): StoreHealth {
  return typeof store.health === 'function' ? store.health() : HEALTHY;
}
