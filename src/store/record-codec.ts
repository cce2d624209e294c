import { z } from 'zod';
import { StagegateError } from '../errors.js';
import { decodeHistoryEntry } from '../ports/history.js';
import { ROLLOUT_STATES, type HistoryEntry, type RolloutRecord } from '../ports/state-store.js';

/*
 * What the stores accept back from disk. Records are checked on the fields
 * `status` and the controller rely on; unknown keys are kept (looseObject) so
 * optional fields added to the port later survive a load/save round trip.
 * History lines go through the one history codec (src/ports/history.ts),
 * which also upgrades entries written by older versions.
 *
 * Times are whole epoch milliseconds (Date.now()). A fractional one is a
 * programming error upstream (a clock that added a monotonic fraction), so
 * encoding throws naming the field, and decoding refuses rather than rounds:
 * rounding would hide the bug and change a deadline the record promised.
 */

const epochMs = z.number().refine(Number.isSafeInteger, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a whole number of epoch milliseconds`,
});

const rolloutState = z.enum(ROLLOUT_STATES);

const intentSchema = z.looseObject({
  id: z.string(),
  action: z.enum(['set', 'disable', 'enable']),
  percent: z.number(),
  gate: z.enum(['percentage_of_actors', 'percentage_of_time']),
  mode: z.enum(['zero', 'disable']).optional(),
  at: epochMs,
});

const summarySchema = z.looseObject({
  state: rolloutState,
  stage: z.string().nullable(),
  stageIndex: z.int(),
  percent: z.number(),
  reason: z.string().nullable(),
  lastCheck: epochMs.nullable(),
});

const recordSchema = z.looseObject({
  name: z.string(),
  version: z.int().positive(),
  specHash: z.string(),
  snapshot: z.unknown(),
  intent: intentSchema.nullable(),
  summary: summarySchema,
  updatedAt: epochMs,
});

// what a caller hands to save(): the store sets the version (0 = never saved yet)
const unsavedSchema = recordSchema.extend({ version: z.int().nonnegative() });

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** zod's issues as one line: `updatedAt: 1.5 is not ...; summary.state: ...` */
function problemOf(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * Throws E_RECORD_INVALID, naming the first bad field and its value, when a
 * record handed to save() would not decode back (e.g. a fractional epoch).
 */
export function checkRecord(record: RolloutRecord): void {
  const parsed = unsavedSchema.safeParse(record);
  if (parsed.success) return;
  const first = parsed.error.issues[0];
  const field = first?.path.join('.') ?? '';
  let value: unknown = record;
  for (const key of first?.path ?? []) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  throw new StagegateError(
    'E_RECORD_INVALID',
    `refusing to save rollout ${record.name}: ${problemOf(parsed.error)}`,
    { name: record.name, field, value },
  );
}

/** A record → the JSON text a store writes; throws E_RECORD_INVALID (see checkRecord). */
export function encodeRecord(record: RolloutRecord): string {
  checkRecord(record);
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** JSON text of a record file → a record, or why it is not one. */
export function decodeRecord(text: string): DecodeResult<RolloutRecord> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: problemOf(parsed.error) };
  // `snapshot` is `unknown` and so optional to zod; a record always has the key
  return { ok: true, value: { ...parsed.data, snapshot: parsed.data.snapshot ?? null } as RolloutRecord };
}

/** One JSONL history line → an entry in the current shape, or why it is not one (a torn or hand-edited line). */
export function decodeHistoryLine(line: string): DecodeResult<HistoryEntry> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not JSON (torn write?)' };
  }
  return decodeHistoryEntry(raw);
}
