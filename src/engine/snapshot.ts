import { z } from 'zod';
import { StagegateError } from '../errors.js';
import type { Rollout } from '../rollout/types.js';
import { migrateContext, reconcileCounters } from './snapshot-migrate.js';
import { ENGINE_STATES, MACHINE_VERSION, type EngineContext, type EngineStateName } from './context.js';

/*
 * The persisted machine: versioned, plain JSON, independent of xstate's
 * internal snapshot format: `{ machineVersion, rollout, state, context }`.
 * Restoring migrates an older version (snapshot-migrate.ts) and validates
 * every field, so a snapshot from a newer version, naming
 * a state that does not exist or with a damaged context is refused with
 * E_SNAPSHOT_INVALID, never half-restored.
 *
 * The spec may change between checks. A snapshot restored into an engine
 * built from a changed rollout is reconciled:
 * - the current stage is looked up by name; when the name is gone, the
 *   highest stage whose percent does not exceed what the toggle was set to
 *   (never more exposure than users have now), or the first stage;
 * - a write in flight keeps its intent (the runtime re-applies the same
 *   value); its target stage is looked up by name, then by percent;
 * - counters of criteria that no longer exist are dropped, new criteria
 *   start at zero;
 * - a removed policy.maxStageDuration clears the stage deadline; an added one
 *   applies from the next stage (or RESUME).
 * The current stage keeps the percent it was set to: an edited percent takes
 * effect when the rollout next enters a stage.
 */

export interface PersistedSnapshot {
  readonly machineVersion: number;
  readonly rollout: string;
  readonly state: EngineStateName;
  readonly context: EngineContext;
}

const criterionSchema = z.object({
  text: z.string(),
  metric: z.string(),
  op: z.enum(['<', '<=', '>', '>=', '==', '!=']),
  threshold: z.number(),
  percent: z.boolean(),
  forChecks: z.number(),
  forMs: z.number().optional(),
});

const intervalSchema = z.tuple([z.number(), z.number()]).readonly();

const resultSchema = z.object({
  criterion: criterionSchema,
  kind: z.enum(['advance', 'rollback']),
  verdict: z.enum(['pass', 'fail', 'inconclusive', 'breach', 'ok', 'no-data', 'error']),
  value: z.number().nullable(),
  interval: intervalSchema.nullable(),
  confidence: z.number().nullable(),
  samples: z.number().nullable(),
  reason: z.string(),
  evidence: z
    .object({ statistic: z.number(), threshold: z.number(), trials: z.number(), events: z.number() })
    .optional(),
});

const cusumSchema = z.object({
  s: z.number().min(0),
  through: z.number().nullable(),
  trials: z.number(),
  events: z.number(),
  rawEvents: z.number(),
});

const ledgerSchema = z.object({
  through: z.number(),
  buckets: z.array(
    z.object({ from: z.number(), to: z.number(), n: z.number(), d: z.number(), empty: z.boolean() }),
  ),
  n: z.number(),
  d: z.number(),
  seen: z.boolean(),
});

const countersSchema = z.object({
  breaches: z.record(z.string(), z.number()),
  looks: z.record(z.string(), z.number()),
  errors: z.number(),
  breachSince: z.record(z.string(), z.number()).optional(),
  failingSince: z.record(z.string(), z.number()).optional(),
  detectors: z.record(z.string(), cusumSchema).optional(),
  increments: z.record(z.string(), ledgerSchema).optional(),
});

const decisionSchema = z.object({
  at: z.number(),
  action: z.enum(['advance', 'hold', 'pause', 'rollback', 'complete']),
  cause: z.enum(['breach', 'no-data', 'errors', 'stuck', 'failing']).nullable(),
  stageIndex: z.number(),
  targetStage: z.number().nullable(),
  awaitingApproval: z.boolean(),
  reasons: z.array(z.string()),
  results: z.array(resultSchema),
  gates: z.array(
    z.object({
      gate: z.enum([
        'start',
        'feature',
        'minDuration',
        'minSamples',
        'criteria',
        'data',
        'advanceDuring',
        'approval',
      ]),
      open: z.boolean(),
      detail: z.string(),
    }),
  ),
  samples: z.number().nullable(),
  nextCounters: countersSchema,
});

const gateSchema = z.enum(['percentage_of_actors', 'percentage_of_time']);

const contextSchema = z.object({
  stageIndex: z.int().min(-1),
  stageName: z.string().nullable(),
  stageStartedAt: z.number().nullable(),
  stageDeadline: z.number().nullable(),
  appliedPercent: z.number().min(0).max(100),
  approved: z.boolean(),
  write: z
    .object({
      purpose: z.enum(['stage', 'complete', 'rollback']),
      stageIndex: z.int().min(-1),
      stageName: z.string().nullable(),
      why: z.string(),
    })
    .nullable(),
  intent: z
    .object({
      id: z.string(),
      action: z.enum(['set', 'disable', 'enable']),
      percent: z.number(),
      gate: gateSchema,
      mode: z.enum(['zero', 'disable']).optional(),
      at: z.number(),
    })
    .nullable(),
  intentSeq: z.int().min(0),
  attempts: z.int().min(0),
  nextAttemptAt: z.number().nullable(),
  lastWriteError: z.string().nullable(),
  counters: countersSchema,
  pause: z
    .object({
      kind: z.enum(['operator', 'drift', 'errors', 'no-data', 'stuck', 'failing', 'toggle']),
      resumeTo: z.enum(['pending', 'reapply', 'observing']),
    })
    .nullable(),
  reason: z.string().nullable(),
  lastCheck: z.number().nullable(),
  lastDecision: decisionSchema.nullable(),
  approvalRequested: z.boolean(),
});

// keeps the schema and the EngineContext interface in step at compile time
const _contextMatches: z.ZodType<EngineContext> = contextSchema;
void _contextMatches;

const envelopeSchema = z.object({
  machineVersion: z.number(),
  rollout: z.string(),
  state: z.string(),
  context: z.unknown(),
});

function refuse(rollout: string, message: string, details: Record<string, unknown> = {}): StagegateError {
  return new StagegateError(
    'E_SNAPSHOT_INVALID',
    `cannot restore the state of rollout ${rollout}: ${message}`,
    {
      rollout,
      ...details,
    },
  );
}

function isStateName(s: string): s is EngineStateName {
  return (ENGINE_STATES as readonly string[]).includes(s);
}

/** Validates a stored snapshot; throws StagegateError E_SNAPSHOT_INVALID with what is wrong. */
export function parsePersistedSnapshot(raw: unknown, rolloutName: string): PersistedSnapshot {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) {
    throw refuse(rolloutName, 'not a stagegate snapshot (needs machineVersion, rollout, state, context)');
  }
  const { machineVersion, rollout, state, context } = envelope.data;
  const migrated = migrateContext(context, machineVersion, MACHINE_VERSION);
  if (migrated === undefined) {
    throw refuse(
      rolloutName,
      `machine version ${machineVersion} is not one this stagegate reads (${MACHINE_VERSION} and older)`,
      { machineVersion },
    );
  }
  if (rollout !== rolloutName) {
    throw refuse(rolloutName, `the snapshot belongs to rollout ${rollout}`);
  }
  if (!isStateName(state)) {
    throw refuse(
      rolloutName,
      `the snapshot names state "${state}", which does not exist (${ENGINE_STATES.join(', ')})`,
      {
        state,
      },
    );
  }
  const parsed = contextSchema.safeParse(migrated);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || 'context'}: ${first.message}` : 'invalid';
    throw refuse(rolloutName, `its context is damaged (${where})`);
  }
  return { machineVersion: MACHINE_VERSION, rollout, state, context: parsed.data };
}

function indexByName(rollout: Rollout, name: string | null): number {
  return name === null ? -1 : rollout.stages.findIndex((s) => s.name === name);
}

function highestAtOrBelow(rollout: Rollout, percent: number): number {
  let found = 0;
  rollout.stages.forEach((s, i) => {
    if (s.percent <= percent) found = i;
  });
  return found;
}

/** The context adjusted to a (possibly changed) rollout; see the header. */
export function reconcileContext(context: EngineContext, rollout: Rollout): EngineContext {
  const last = rollout.stages.length - 1;
  let stageIndex = context.stageIndex;
  if (stageIndex >= 0) {
    const byName = indexByName(rollout, context.stageName);
    stageIndex = byName >= 0 ? byName : highestAtOrBelow(rollout, context.appliedPercent);
  }
  let write = context.write;
  if (write && write.purpose === 'stage') {
    let target = indexByName(rollout, write.stageName);
    if (target < 0) target = rollout.stages.findIndex((s) => s.percent === context.intent?.percent);
    if (target < 0) target = Math.min(stageIndex + 1, last);
    write = { ...write, stageIndex: target, stageName: rollout.stages[target]?.name ?? null };
  } else if (write) {
    write = { ...write, stageIndex, stageName: rollout.stages[stageIndex]?.name ?? null };
  }
  const stageDeadline = rollout.policy.maxStageDurationMs === undefined ? null : context.stageDeadline;
  return {
    ...context,
    stageIndex,
    stageName: stageIndex >= 0 ? (rollout.stages[stageIndex]?.name ?? null) : null,
    write,
    stageDeadline,
    counters: reconcileCounters(context.counters, rollout),
  };
}
