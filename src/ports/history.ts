import { z } from 'zod';
import {
  decisionSchema,
  errorCountSchema,
  finite,
  lenientArray,
  lenientRecord,
  measurementSchema,
  resultSchema,
} from './history-schemas.js';
import type { Measurement } from './metrics-provider.js';
import { OPERATOR_COMMANDS, type OperatorCommand } from './operator-command.js';
import { ROLLOUT_STATES, type RolloutState, type ToggleIntent } from './state-store.js';

/*
 * History entries (DESIGN.md §5): one typed union, one codec, shared by the
 * runtime that writes them and every reader (report, status, API, post-launch).
 * Each entry carries `v`; entries written before the version field existed
 * (v 0: stagegate ≤ 0.1 wrote `check.detail` as free-form JSON) decode into
 * the current shape, so old history files stay readable. Parsing is lenient
 * where old writers differed (a criterion as text or object, a decision as a
 * word or an object): a part that does not match is dropped, never fatal; an
 * entry whose envelope is broken is refused with the reason.
 *
 * Order, as the runtime appends them: spec → check (its decision inside) →
 * transition → toggle-intent → toggle-result → transition (what the result
 * caused) → stage (entered / left, with why) → stage-errors (the stage's top
 * error messages, when the errors query answers).
 */

export const HISTORY_VERSION = 1;

export interface ErrorCount {
  readonly message: string;
  readonly count: number;
}

export interface CheckResult {
  readonly criterion: { readonly text: string; readonly metric: string; readonly percent: boolean };
  readonly kind: 'advance' | 'rollback';
  readonly verdict: string;
  readonly value: number | null;
  readonly interval: readonly [number, number] | null;
  readonly reason: string | null;
}

export interface CheckDetail {
  /** the rollout state after the check; null in old entries that did not say */
  readonly state: RolloutState | null;
  readonly measurements: Readonly<Record<string, Measurement>>;
  readonly results: readonly CheckResult[];
  readonly decision: { readonly action: string; readonly reasons: readonly string[] } | null;
  /** the toggle's effective percent as read before the check; null: not read */
  readonly toggle: number | null;
  /** every gate that exposes users, as read before the check (formatExposure); null: not read, or older entries */
  readonly exposure: string | null;
  readonly durationMs: number | null;
  /** post-launch check-ins (and v 0 stage ends): the errors query's top messages; stage ends now write a `stage-errors` entry */
  readonly errors: readonly ErrorCount[] | null;
  /** set on post-launch check-ins only */
  readonly postLaunch: { readonly offsetMs: number } | null;
}

interface Base {
  readonly v?: number;
  readonly at: number;
}

export type CheckEntry = Base & {
  readonly type: 'check';
  readonly stage: string | null;
  readonly percent: number;
  readonly detail: CheckDetail;
};
export type ToggleIntentEntry = Base & { readonly type: 'toggle-intent'; readonly intent: ToggleIntent };
export type ToggleResultEntry = Base & {
  readonly type: 'toggle-result';
  readonly intentId: string;
  readonly ok: boolean;
  readonly percent: number | null;
  readonly error: string | null;
};
export type CommandEntry = Base & {
  readonly type: 'command';
  readonly command: OperatorCommand;
  readonly by: string;
  readonly reason: string | null;
  readonly accepted: boolean;
  readonly message: string | null;
};
export type TransitionEntry = Base & {
  readonly type: 'transition';
  readonly from: RolloutState;
  readonly to: RolloutState;
  readonly stage: string | null;
  readonly percent: number;
  readonly reason: string | null;
  /** the machine's finer states, e.g. running.applying → running.observing (absent in v 0) */
  readonly machine?: { readonly from: string; readonly to: string };
};
export type SpecEntry = Base & {
  readonly type: 'spec';
  readonly specHash: string;
  readonly source: string | null;
};
export type StageEntry = Base & {
  readonly type: 'stage';
  readonly event: 'entered' | 'left';
  readonly stage: string;
  /** the stage's share of users while it ran */
  readonly percent: number;
  readonly why: string;
};
export type StageErrorsEntry = Base & {
  readonly type: 'stage-errors';
  readonly stage: string | null;
  readonly from: number;
  readonly to: number;
  readonly errors: readonly ErrorCount[];
};

export type HistoryEntry =
  | CheckEntry
  | ToggleIntentEntry
  | ToggleResultEntry
  | CommandEntry
  | TransitionEntry
  | SpecEntry
  | StageEntry
  | StageErrorsEntry;

export type HistoryEntryOf<T extends HistoryEntry['type']> = Extract<HistoryEntry, { type: T }>;

// ---- codec ----

const state = z.enum(ROLLOUT_STATES);

const checkDetailSchema = z.object({
  state: state.nullable().catch(null),
  measurements: lenientRecord(measurementSchema).catch({}),
  results: lenientArray(resultSchema).catch([]),
  decision: decisionSchema.nullable().catch(null),
  toggle: finite.nullable().catch(null),
  exposure: z.string().nullable().catch(null),
  durationMs: finite.nullable().catch(null),
  // null: no errors query ran for this check; []: it ran and found none
  errors: lenientArray(errorCountSchema).nullable().catch(null),
  postLaunch: z
    .union([finite.transform((offsetMs) => ({ offsetMs })), z.object({ offsetMs: finite })])
    .nullable()
    .catch(null),
});

const EMPTY_DETAIL: CheckDetail = {
  state: null,
  measurements: {},
  results: [],
  decision: null,
  toggle: null,
  exposure: null,
  durationMs: null,
  errors: null,
  postLaunch: null,
};

/** A check's detail as any version wrote it → the current shape; never throws. */
export function parseCheckDetail(detail: unknown): CheckDetail {
  const parsed = checkDetailSchema.safeParse(detail ?? {});
  return parsed.success ? parsed.data : EMPTY_DETAIL;
}

const at = finite;
const intentSchema = z.object({
  id: z.string(),
  action: z.enum(['set', 'disable', 'enable']),
  percent: finite,
  gate: z.enum(['percentage_of_actors', 'percentage_of_time']),
  mode: z.enum(['zero', 'disable']).optional(),
  at: finite,
});

const entrySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('check'),
    at,
    // a check is kept even when a writer left these out: its time and detail still tell the story
    stage: z.string().nullable().catch(null),
    percent: finite.catch(0),
    detail: z.unknown().optional().transform(parseCheckDetail),
  }),
  z.object({ type: z.literal('toggle-intent'), at, intent: intentSchema }),
  z.object({
    type: z.literal('toggle-result'),
    at,
    intentId: z.string(),
    ok: z.boolean(),
    percent: finite.nullable(),
    error: z.string().nullable(),
  }),
  z.object({
    type: z.literal('command'),
    at,
    command: z.enum(OPERATOR_COMMANDS),
    by: z.string(),
    reason: z.string().nullable(),
    accepted: z.boolean(),
    message: z.string().nullable().catch(null),
  }),
  z.object({
    type: z.literal('transition'),
    at,
    from: state,
    to: state,
    stage: z.string().nullable(),
    percent: finite,
    reason: z.string().nullable(),
    machine: z.object({ from: z.string(), to: z.string() }).optional().catch(undefined),
  }),
  z.object({ type: z.literal('spec'), at, specHash: z.string(), source: z.string().nullable().catch(null) }),
  z.object({
    type: z.literal('stage'),
    at,
    event: z.enum(['entered', 'left']),
    stage: z.string(),
    percent: finite,
    why: z.string(),
  }),
  z.object({
    type: z.literal('stage-errors'),
    at,
    stage: z.string().nullable(),
    from: finite,
    to: finite,
    errors: lenientArray(errorCountSchema),
  }),
]);

export type DecodedEntry = { ok: true; value: HistoryEntry } | { ok: false; problem: string };

/** A parsed JSON value (one history line, one database row) → the current entry, or why it is not one. */
export function decodeHistoryEntry(raw: unknown): DecodedEntry {
  const version = typeof raw === 'object' && raw !== null ? (raw as { v?: unknown }).v : undefined;
  if (version !== undefined && (typeof version !== 'number' || version > HISTORY_VERSION))
    return { ok: false, problem: `history entry version ${String(version)} is newer than this stagegate` };
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      problem: `not a history entry: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`,
    };
  // v 0 → 1 changed no field meaning; the lenient parts above absorb the looser v 0 shapes
  const entry = { ...parsed.data, v: HISTORY_VERSION } as HistoryEntry;
  return { ok: true, value: entry };
}

/** What a writer appends: the current version stamped on. */
export function historyEntry<T extends HistoryEntry>(entry: T): T {
  return { v: HISTORY_VERSION, ...entry };
}
