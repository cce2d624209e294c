import { z } from 'zod';

/*
 * The parts of a history entry's check detail, each lenient where old
 * writers differed (history.ts): a criterion as text or object, a decision as
 * a word or an object, records and lists that drop what does not parse.
 */

export const finite = z.number().refine(Number.isFinite);

export const measurementSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('value'), value: finite }),
  z.object({ kind: z.literal('ratio'), value: finite, numerator: finite, denominator: finite }),
  z.object({ kind: z.literal('no-data'), reason: z.string() }),
  z.object({ kind: z.literal('error'), code: z.string(), message: z.string() }),
]);

export const criterionSchema = z.union([
  z
    .string()
    .transform((text) => ({ text, metric: text.split(/\s/)[0] ?? text, percent: text.includes('%') })),
  z.object({ text: z.string(), metric: z.string(), percent: z.boolean().default(false) }),
]);

export const resultSchema = z.object({
  criterion: criterionSchema,
  kind: z.enum(['advance', 'rollback']),
  verdict: z.string(),
  value: finite.nullable().catch(null),
  interval: z.tuple([finite, finite]).nullable().catch(null),
  reason: z.string().nullable().catch(null),
});

export const decisionSchema = z.union([
  z.string().transform((action) => ({ action, reasons: [] as string[] })),
  z.object({ action: z.string(), reasons: z.array(z.string()).catch([]) }),
]);

export const errorCountSchema = z.object({ message: z.string(), count: z.number().nonnegative() });

/** Drops the elements of a record that do not parse instead of failing the whole. */
export function lenientRecord<T extends z.ZodType>(item: T) {
  return z.record(z.string(), z.unknown()).transform((raw) => {
    const out: Record<string, z.output<T>> = {};
    for (const [key, value] of Object.entries(raw)) {
      const parsed = item.safeParse(value);
      if (parsed.success) out[key] = parsed.data;
    }
    return out;
  });
}

/** Drops the elements of a list that do not parse instead of failing the whole. */
export function lenientArray<T extends z.ZodType>(item: T) {
  return z.array(z.unknown()).transform((raw) =>
    raw.flatMap((value) => {
      const parsed = item.safeParse(value);
      return parsed.success ? [parsed.data] : [];
    }),
  );
}
