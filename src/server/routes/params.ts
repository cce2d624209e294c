import { z } from 'zod';
import { StagegateError } from '../../errors.js';
import { MAX_BY_LENGTH, MAX_REASON_LENGTH } from '../../rollout/operator-input.js';
import { NAME_PATTERN } from '../../rollout/schema.js';

/*
 * Request shapes, validated with zod. A name that cannot be a rollout name is
 * "not found" rather than "bad request": it also keeps odd strings (paths,
 * dots) away from the state store.
 */

export const nameParamsSchema = z.object({ name: z.string() });

export function rolloutName(params: unknown): string {
  const parsed = nameParamsSchema.safeParse(params);
  const name = parsed.success ? parsed.data.name : '';
  if (!NAME_PATTERN.test(name))
    throw new StagegateError('E_NOT_FOUND', `no rollout named "${name.slice(0, 80)}"`);
  return name;
}

export const historyQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  /** how many of the newest entries to skip: the `next` of the previous page */
  before: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

/** shapes only: what `by` and `reason` may contain is checkOperatorInput's (shared with the CLI) */
export const commandBodySchema = z.strictObject({
  reason: z
    .string()
    .max(MAX_REASON_LENGTH * 4)
    .optional(),
  by: z
    .string()
    .max(MAX_BY_LENGTH * 4)
    .optional(),
});

export function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
}
