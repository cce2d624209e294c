import { z } from 'zod';
import { decodeHistoryEntry } from '../ports/history.js';
import { ROLLOUT_STATES, type HistoryEntry, type RolloutRecord } from '../ports/state-store.js';

/*
 * What the stores accept back from disk. Records are checked on the fields
 * `status` and the controller rely on; unknown keys are kept (looseObject) so
 * optional fields added to the port later survive a load/save round trip.
 * History lines go through the one history codec (src/ports/history.ts),
 * which also upgrades entries written by older versions.
 */

const rolloutState = z.enum(ROLLOUT_STATES);

const intentSchema = z.looseObject({
  id: z.string(),
  action: z.enum(['set', 'disable', 'enable']),
  percent: z.number(),
  gate: z.enum(['percentage_of_actors', 'percentage_of_time']),
  mode: z.enum(['zero', 'disable']).optional(),
  at: z.number(),
});

const summarySchema = z.looseObject({
  state: rolloutState,
  stage: z.string().nullable(),
  stageIndex: z.int(),
  percent: z.number(),
  reason: z.string().nullable(),
  lastCheck: z.number().nullable(),
});

const recordSchema = z.looseObject({
  name: z.string(),
  version: z.int().positive(),
  specHash: z.string(),
  snapshot: z.unknown(),
  intent: intentSchema.nullable(),
  summary: summarySchema,
  updatedAt: z.number(),
});

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** JSON text of a record file → a record, or why it is not one. */
export function decodeRecord(text: string): DecodeResult<RolloutRecord> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: z.prettifyError(parsed.error).replaceAll('\n', '; ') };
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
