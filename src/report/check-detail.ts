import { z } from 'zod';

/*
 * The `detail` of a `check` history entry, as the API and the report read it.
 * History is written by the controller and may come from an older version,
 * so it is parsed leniently: each part that does not match is dropped, never
 * fatal. Shape the controller writes (all parts optional):
 *
 *   {
 *     measurements: { [metric]: Measurement },        // src/ports/metrics-provider.ts
 *     results: [{ criterion: Criterion | string, kind: 'advance' | 'rollback',
 *                 verdict, value, interval?, reason? }], // the engine's CriterionResult
 *     decision: { action, reasons: string[] } | string,
 *     errors: [{ message, count }],                    // top messages of the `report.errors` logs query
 *                                                      // (absent when the rollout has none)
 *     postLaunch: { offsetMs }                          // set on post-launch check-ins only
 *   }
 */

const finite = z.number().refine(Number.isFinite);

const measurementSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('value'), value: finite }),
  z.object({ kind: z.literal('ratio'), value: finite, numerator: finite, denominator: finite }),
  z.object({ kind: z.literal('no-data'), reason: z.string() }),
  z.object({ kind: z.literal('error'), code: z.string(), message: z.string() }),
]);

const criterionSchema = z.union([
  z
    .string()
    .transform((text) => ({ text, metric: text.split(/\s/)[0] ?? text, percent: text.includes('%') })),
  z.object({ text: z.string(), metric: z.string(), percent: z.boolean().default(false) }),
]);

const resultSchema = z.object({
  criterion: criterionSchema,
  kind: z.enum(['advance', 'rollback']),
  verdict: z.string(),
  value: finite.nullable().catch(null),
  interval: z.tuple([finite, finite]).nullable().catch(null),
  reason: z.string().nullable().catch(null),
});

const decisionSchema = z.union([
  z.string().transform((action) => ({ action, reasons: [] as string[] })),
  z.object({ action: z.string(), reasons: z.array(z.string()).catch([]) }),
]);

const errorCountSchema = z.object({ message: z.string(), count: z.number().nonnegative() });

/** Drops the elements of a record/array that do not parse instead of failing the whole. */
function lenientRecord<T extends z.ZodType>(item: T) {
  return z.record(z.string(), z.unknown()).transform((raw) => {
    const out: Record<string, z.output<T>> = {};
    for (const [key, value] of Object.entries(raw)) {
      const parsed = item.safeParse(value);
      if (parsed.success) out[key] = parsed.data;
    }
    return out;
  });
}

function lenientArray<T extends z.ZodType>(item: T) {
  return z.array(z.unknown()).transform((raw) =>
    raw.flatMap((value) => {
      const parsed = item.safeParse(value);
      return parsed.success ? [parsed.data] : [];
    }),
  );
}

const checkDetailSchema = z.object({
  measurements: lenientRecord(measurementSchema).catch({}),
  results: lenientArray(resultSchema).catch([]),
  decision: decisionSchema.nullable().catch(null),
  // null: no errors query ran for this check; []: it ran and found none
  errors: lenientArray(errorCountSchema).nullable().catch(null),
  postLaunch: z
    .union([finite.transform((offsetMs) => ({ offsetMs })), z.object({ offsetMs: finite })])
    .nullable()
    .catch(null),
});

export type CheckDetail = z.output<typeof checkDetailSchema>;
export type CheckResult = CheckDetail['results'][number];
export type CheckMeasurement = z.output<typeof measurementSchema>;

export function parseCheckDetail(detail: unknown): CheckDetail {
  const parsed = checkDetailSchema.safeParse(detail ?? {});
  return parsed.success
    ? parsed.data
    : { measurements: {}, results: [], decision: null, errors: null, postLaunch: null };
}
