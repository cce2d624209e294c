import { z } from 'zod';
import { StagegateError } from '../errors.js';
import { ROLLOUT_STATES, type RolloutRecord } from './state-store.js';

/*
 * The shape of a stored rollout record, shared by the stores' codec (which
 * decodes what they read back) and the runtime (which checks what it hands to
 * save), like the history codec in history.ts. Records are checked on the
 * fields `status` and the controller rely on; unknown keys are kept
 * (looseObject) so optional fields added to the port later survive a
 * load/save round trip.
 *
 * Times are whole epoch milliseconds (Date.now()). A fractional one is a
 * programming error upstream (a clock that added a monotonic fraction), so a
 * save throws naming the field, and a load refuses rather than rounds:
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

export const recordSchema = z.looseObject({
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

/** zod's issues as one line: `updatedAt: 1.5 is not ...; summary.state: ...` */
export function issuesLine(error: z.ZodError): string {
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
    `refusing to save rollout ${record.name}: ${issuesLine(parsed.error)}`,
    { name: record.name, field, value },
  );
}
