import { z } from 'zod';
import { StagegateError } from '../../errors.js';
import { NAME_PATTERN } from '../../rollout/schema.js';
import { OPERATOR_COMMANDS } from '../deps.js';

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
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
});

export const commandParamsSchema = z.object({ name: z.string(), command: z.enum(OPERATOR_COMMANDS) });

export const commandBodySchema = z.strictObject({
  reason: z.string().trim().min(1).max(1000).optional(),
  by: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\r\n]*$/, 'must be one line')
    .optional(),
});

export function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
}
