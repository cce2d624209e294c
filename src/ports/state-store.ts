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
}

export type HistoryEntry =
  | {
      readonly type: 'check';
      readonly at: number;
      readonly stage: string | null;
      readonly percent: number;
      readonly detail: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'toggle-intent'; readonly at: number; readonly intent: ToggleIntent }
  | {
      readonly type: 'toggle-result';
      readonly at: number;
      readonly intentId: string;
      readonly ok: boolean;
      readonly percent: number | null;
      readonly error: string | null;
    }
  | {
      readonly type: 'command';
      readonly at: number;
      readonly command: 'pause' | 'resume' | 'approve' | 'abort' | 'promote' | 'retry';
      readonly by: string;
      readonly reason: string | null;
      readonly accepted: boolean;
      readonly message: string | null;
    }
  | {
      readonly type: 'transition';
      readonly at: number;
      readonly from: RolloutState;
      readonly to: RolloutState;
      readonly stage: string | null;
      readonly percent: number;
      readonly reason: string | null;
    }
  | { readonly type: 'spec'; readonly at: number; readonly specHash: string; readonly source: string | null };

/** A window of a history counted from its end: positions are 0-based append order. */
export interface HistoryPage {
  /** only entries at positions below this; default: up to the end */
  readonly before?: number;
  /** at most this many, the newest of them; default: all */
  readonly limit?: number;
}

export interface StateStore {
  load(name: string): Promise<RolloutRecord | undefined>;
  /** throws StagegateError E_STORE_CONFLICT when the stored version is not `expectedVersion` */
  save(record: RolloutRecord, expectedVersion: number): Promise<RolloutRecord>;
  appendHistory(name: string, entry: HistoryEntry): Promise<void>;
  /** in append order; with `page`, the last `limit` entries before position `before` (0-based, exclusive) */
  history(name: string, page?: HistoryPage): Promise<HistoryEntry[]>;
  list(): Promise<RolloutRecord[]>;
}
