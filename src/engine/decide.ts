import type { Measurement } from '../ports/metrics-provider.js';
import { formatDuration } from '../rollout/duration.js';
import type { Criterion, Rollout } from '../rollout/types.js';
import { stageLabel } from './format.js';
import { judgeRollback } from './decide-rollback.js';
import { trackFailing } from './decide-failing.js';
import { nextCounters } from './decide-counters.js';
import { judgeCriterion, type CriterionKind, type CriterionResult, type JudgeOptions } from './judge.js';
import { beforeStart } from './decide-start.js';
import { advanceMeasurement, measurementOf } from './decide-measurements.js';
import { stageGates } from './decide-gates.js';
import type { CusumState, Increment } from './sequential/cusum.js';
import type { IncrementLedger } from './increments.js';

/*
 * One check's decision, pure: the rollout, where it stands (stage, counters,
 * approval), the time and the measurements in; an action with its reasons
 * out. The clock, the network and the toggle are the caller's business.
 *
 * Precedence, first match wins:
 *   1. a rollback criterion breached for its `for` clause  → rollback (at any hour)
 *   2. no data and policy.noData = rollback                → rollback
 *   3. provider errors in maxConsecutiveErrors checks      → pause
 *   4. no data and policy.noData = pause                   → pause
 *   5. an advance criterion definitely failing for
 *      policy.failingFor, policy.onFailing pause|rollback  → pause | rollback (cause `failing`)
 *   6. every gate open                                     → advance (complete on the last stage)
 *   7. held past the stage deadline (maxStageDuration)     → pause
 *   8. otherwise                                           → hold, with every closed gate as a reason
 *
 * Gates for advancing: minDuration, minSamples (the `samples` metric), every
 * advance criterion passes and no rollback criterion is breaching (even short
 * of its `for N checks`), no missing data, inside advanceDuring, approval of
 * the next stage. Completing the last stage needs the first four only: it
 * exposes nobody new. Before the first stage, the gates are start,
 * advanceDuring and approval (a manual start is an approval).
 *
 * `for N checks` counts consecutive breaching checks and `for <duration>` the
 * time since the first of them (sequential/persistence.ts); a check without a
 * measurement for that metric (no data, provider error) neither extends nor
 * breaks the streak, an `ok` or `inconclusive` check breaks it. Rollback
 * criteria on ratios are judged by a CUSUM over the stage's increments
 * (decide-rollback.ts); its state travels in `counters.detectors`.
 *
 * `noData: zero` on a metric turns its no-data into the value 0 here, so
 * run, simulate and the benchmark read it the same way.
 */

export type DecisionAction = 'advance' | 'hold' | 'pause' | 'rollback' | 'complete';

export type DecisionCause = 'breach' | 'no-data' | 'errors' | 'stuck' | 'failing';

export type GateName =
  'start' | 'feature' | 'minDuration' | 'minSamples' | 'criteria' | 'data' | 'advanceDuring' | 'approval';

export interface GateResult {
  readonly gate: GateName;
  readonly open: boolean;
  readonly detail: string;
}

export interface DecisionCounters {
  /** consecutive breaching checks per rollback criterion, keyed by its text */
  readonly breaches: Readonly<Record<string, number>>;
  /** looks judged on an interval per rollback criterion in the current stage (error-budget spending) */
  readonly looks: Readonly<Record<string, number>>;
  /** consecutive checks with at least one provider error */
  readonly errors: number;
  /** epoch ms of the first check of each rollback criterion's breach streak (`for <duration>`) */
  readonly breachSince?: Readonly<Record<string, number>>;
  /** epoch ms since which each advance criterion has been definitely failing (policy.failingFor) */
  readonly failingSince?: Readonly<Record<string, number>>;
  /** the CUSUM of each rollback criterion on a ratio, by criterion text; reset with the stage */
  readonly detectors?: Readonly<Record<string, CusumState>>;
  /** each derived metric's increments this stage (increments.ts); reset with the stage */
  readonly increments?: IncrementLedger;
}

export const ZERO_COUNTERS: DecisionCounters = { breaches: {}, looks: {}, errors: 0 };

export interface DecideInput {
  readonly rollout: Rollout;
  readonly now: number;
  /** the current stage; -1 before the rollout has started */
  readonly stageIndex: number;
  /** when the current stage's toggle write took effect */
  readonly stageStartedAt: number | null;
  /** a held stage pauses at this epoch ms (maxStageDuration); null: never */
  readonly stageDeadline: number | null;
  /** approval of the next stage (or of a manual start) has been given */
  readonly approved: boolean;
  readonly counters: DecisionCounters;
  readonly measurements: Readonly<Record<string, Measurement>>;
  /**
   * each ratio metric's new observations since the last increment counted
   * ([from, to), numerator/denominator), by metric name. Optional: without
   * one, a `window: stage` ratio is differenced from its cumulative value and a
   * sliding-window ratio falls back to the per-look interval.
   */
  readonly increments?: Readonly<Record<string, Increment>>;
  /** the increment ledger after this check's increments (the runtime folds them); kept in nextCounters */
  readonly ledger?: IncrementLedger;
  /** why the toggle may not be written at all (the feature does not exist); only before the first stage */
  readonly featureMissing?: string | null;
}

/*
 * The runtime's machine decides with SEQUENTIAL_DECISIONS; the defaults (the
 * per-look interval, no failing rule) remain for the benchmark's "before"
 * column and the tables of test/engine/decide.test.ts.
 */
export interface DecideOptions {
  /** rollback ratios by CUSUM, advance ratios by the confidence sequence; default false */
  readonly sequential?: boolean;
  /** policy.failingFor / policy.onFailing; default false */
  readonly failing?: boolean;
}

export const SEQUENTIAL_DECISIONS: DecideOptions = { sequential: true, failing: true };

export interface Decision {
  readonly at: number;
  readonly action: DecisionAction;
  /** why it rolls back or pauses; null for advance, complete and hold */
  readonly cause: DecisionCause | null;
  readonly stageIndex: number;
  /** the stage an advance moves to */
  readonly targetStage: number | null;
  /** every gate but approval is open: the rollout waits for `approve` */
  readonly awaitingApproval: boolean;
  readonly reasons: readonly string[];
  readonly results: readonly CriterionResult[];
  readonly gates: readonly GateResult[];
  /** the `samples` metric's reading, when the stage has minSamples */
  readonly samples: number | null;
  readonly nextCounters: DecisionCounters;
}

export type JudgeFn = (
  c: Criterion,
  kind: CriterionKind,
  m: Measurement,
  opts: JudgeOptions,
) => CriterionResult;

/** The metrics a decision reads: every criterion's metric, and the samples metric when the stage has minSamples. */
export function neededMetrics(rollout: Rollout, withSamples: boolean): string[] {
  const names = new Set<string>();
  for (const c of rollout.criteria.rollback) names.add(c.metric);
  for (const c of rollout.criteria.advance) names.add(c.metric);
  if (withSamples && rollout.samples !== undefined) names.add(rollout.samples);
  return [...names];
}

export function decide(
  input: DecideInput,
  judge: JudgeFn = judgeCriterion,
  opts: DecideOptions = {},
): Decision {
  if (input.stageIndex < 0) return beforeStart(input);
  const { rollout, now, counters } = input;
  const stageIndex = Math.min(input.stageIndex, rollout.stages.length - 1);
  const stage = rollout.stages[stageIndex];
  if (!stage) throw new RangeError(`rollout ${rollout.name} has no stages`);
  const last = stageIndex === rollout.stages.length - 1;
  const policy = rollout.policy;
  const needsSamples = (stage.minSamples ?? 0) > 0 && rollout.samples !== undefined;

  const rollback = judgeRollback({
    rollout,
    now,
    stageStartedAt: input.stageStartedAt,
    counters,
    measurementOf: (metric) => measurementOf(input, metric),
    increments: input.increments,
    sequential: opts.sequential ?? false,
    judge: (m, o, i) => {
      const c = rollout.criteria.rollback[i];
      if (!c) throw new RangeError(`no rollback criterion ${i}`);
      return judge(c, 'rollback', m, { ...o, sequential: opts.sequential ?? false });
    },
  });
  const advanceResults = rollout.criteria.advance.map((c) =>
    judge(c, 'advance', advanceMeasurement(input, c.metric, rollback.detectors, opts), {
      confidence: policy.confidence,
      sequential: opts.sequential ?? false,
    }),
  );
  const results = [...rollback.results, ...advanceResults];

  const needed = neededMetrics(rollout, needsSamples);
  const errored = needed.filter((m) => measurementOf(input, m).kind === 'error');
  const missing = needed.filter((m) => measurementOf(input, m).kind === 'no-data');
  const errors = errored.length > 0 ? counters.errors + 1 : 0;
  const failing = trackFailing(rollout, advanceResults, counters.failingSince, now);
  const counted = nextCounters(input, opts, rollback, failing, errors);

  // built field by field: object spread in this hot path costs more than the statistics (see the benchmark)
  const make = (
    action: DecisionAction,
    cause: DecisionCause | null,
    reasons: readonly string[],
    targetStage: number | null = null,
    awaitingApproval = false,
  ): Decision => ({
    at: now,
    action,
    cause,
    stageIndex,
    targetStage,
    awaitingApproval,
    reasons,
    results,
    gates,
    samples,
    nextCounters: counted,
  });

  const { gates, samples, elapsed } = stageGates({
    input,
    stageIndex,
    last,
    needsSamples,
    measurementOf: (metric) => measurementOf(input, metric),
    notPassing: [
      ...advanceResults.filter((r) => r.verdict !== 'pass').map((r) => r.reason),
      ...rollback.watching,
    ],
    missing,
    errored,
  });

  if (rollback.breached.length > 0) {
    return make('rollback', 'breach', rollback.breached);
  }
  if (missing.length > 0 && policy.noData === 'rollback') {
    return make(
      'rollback',
      'no-data',
      missing.map((m) => `no data for ${m} (policy.noData: rollback)`),
    );
  }
  if (errors >= policy.maxConsecutiveErrors) {
    const detail = results.filter((r) => r.verdict === 'error').map((r) => r.reason);
    return make('pause', 'errors', [
      `provider errors in ${errors} consecutive checks (maxConsecutiveErrors ${policy.maxConsecutiveErrors})`,
      ...new Set(detail),
    ]);
  }
  if (missing.length > 0 && policy.noData === 'pause') {
    return make(
      'pause',
      'no-data',
      missing.map((m) => `no data for ${m} (policy.noData: pause)`),
    );
  }

  const onFailing = policy.onFailing ?? 'pause';
  if (opts.failing === true && failing.reasons.length > 0 && onFailing !== 'hold') {
    return make(onFailing, 'failing', failing.reasons);
  }

  const closed = gates.filter((g) => !g.open);
  if (closed.length === 0) {
    if (last) {
      return make('complete', null, [
        `${stage.name} held every criterion for ${formatDuration(elapsed)}: complete`,
      ]);
    }
    return make(
      'advance',
      null,
      [`advancing ${stage.name} → ${stageLabel(rollout, stageIndex + 1)}`],
      stageIndex + 1,
    );
  }
  const holdReasons = closed.map((g) => g.detail);
  if (input.stageDeadline !== null && now >= input.stageDeadline) {
    const limit = policy.maxStageDurationMs;
    return make('pause', 'stuck', [
      `held in ${stage.name} past maxStageDuration${limit === undefined ? '' : ` ${formatDuration(limit)}`}`,
      ...holdReasons,
    ]);
  }
  return make(
    'hold',
    null,
    holdReasons,
    null,
    closed.every((g) => g.gate === 'approval'),
  );
}
