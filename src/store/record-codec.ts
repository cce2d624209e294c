import { decodeHistoryEntry } from '../ports/history.js';
import { checkRecord, issuesLine, recordSchema } from '../ports/record-schema.js';
import type { HistoryEntry, RolloutRecord } from '../ports/state-store.js';

/*
 * What the stores write and accept back from disk. The record's shape, and
 * why a fractional epoch is refused both ways, is in src/ports/record-schema.ts;
 * history lines go through the one history codec (src/ports/history.ts),
 * which also upgrades entries written by older versions.
 */

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; problem: string };

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
  if (!parsed.success) return { ok: false, problem: issuesLine(parsed.error) };
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
