import type { Measurement } from '../ports/metrics-provider.js';
import type { RolloutEventType } from '../ports/notifier.js';
import type { RolloutState, RolloutSummary } from '../ports/state-store.js';
import type { ToggleProvider, ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import type { EngineEvent } from './context.js';
import type { Decision } from './decide.js';
import type { CriterionResult } from './judge.js';
import { RolloutEngine, type StepResult } from './rollout-engine.js';

/*
 * A rollout on a virtual clock: one TICK per scheduled check, measurements
 * from the caller (a replayed series), toggle writes applied at once to the
 * given (in-memory) toggle provider. Nobody is at the keyboard, so the run
 * ends when the rollout completes, rolls back or pauses, or after the last
 * check the series can answer. With `autoApprove`, every approval the rollout
 * waits for is given by `simulate` at the same check.
 */

export interface SimulationOptions {
  readonly rollout: Rollout;
  /** the first check */
  readonly from: number;
  /** no check after this time */
  readonly until: number;
  /** the next check strictly after `now` (the rollout's schedule) */
  readonly nextCheck: (now: number) => number;
  /** every metric of one check, windows resolved from `stageStartedAt` */
  readonly measure: (now: number, stageStartedAt: number) => Promise<Record<string, Measurement>>;
  readonly toggles: ToggleProvider;
  readonly autoApprove?: boolean;
  /** a guard against schedules that never reach `until` */
  readonly maxChecks?: number;
}

export interface TimelineEntry {
  readonly at: number;
  readonly state: RolloutState;
  readonly stage: string | null;
  readonly percent: number;
  /** the check's decision, or what happened instead (`approve`) */
  readonly action: string;
  readonly reasons: readonly string[];
  readonly results: readonly CriterionResult[];
  readonly measurements: Readonly<Record<string, Measurement>>;
  readonly notices: readonly RolloutEventType[];
}

export type StopReason = 'completed' | 'rolled_back' | 'paused' | 'end of series' | 'check limit';

export interface SimulationResult {
  readonly timeline: readonly TimelineEntry[];
  readonly final: RolloutSummary;
  readonly stoppedBecause: StopReason;
}

async function applyDueWrites(
  engine: RolloutEngine,
  toggles: ToggleProvider,
  now: number,
): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  // a failed write is retried later (backoff), so one pass per intent is enough; bound it anyway
  for (let i = 0; i < 5; i++) {
    const intent = engine.writeDue(now);
    if (!intent) break;
    const feature = engine.rollout.toggle.feature;
    let event: EngineEvent;
    try {
      const state: ToggleState =
        intent.action === 'set'
          ? await toggles.setPercent(feature, intent.percent, intent.gate)
          : intent.action === 'enable'
            ? await toggles.enable(feature)
            : await toggles.disable(feature, intent.mode ?? 'zero');
      event = { type: 'TOGGLE_APPLIED', now, state, intentId: intent.id };
    } catch (err) {
      event = {
        type: 'TOGGLE_FAILED',
        now,
        error: err instanceof Error ? err.message : String(err),
        intentId: intent.id,
      };
    }
    steps.push(engine.send(event));
  }
  return steps;
}

function stopReason(engine: RolloutEngine): StopReason | null {
  const s = engine.state();
  if (s === 'completed') return 'completed';
  if (s === 'rolledBack') return 'rolled_back';
  if (s === 'paused') return 'paused';
  return null;
}

export async function simulate(opts: SimulationOptions): Promise<SimulationResult> {
  const engine = RolloutEngine.create(opts.rollout);
  const timeline: TimelineEntry[] = [];
  const feature = opts.rollout.toggle.feature;
  const maxChecks = opts.maxChecks ?? 100_000;
  let now = opts.from;
  let checks = 0;
  let stopped: StopReason = 'end of series';
  while (now <= opts.until) {
    if (checks++ >= maxChecks) {
      stopped = 'check limit';
      break;
    }
    const toggle = await opts.toggles.read(feature);
    const measurements = engine.wantsMeasurements()
      ? await opts.measure(now, engine.stageStartedAt() ?? now)
      : {};
    const tick = engine.send({ type: 'TICK', now, measurements, toggle });
    const steps = [tick, ...(await applyDueWrites(engine, opts.toggles, now))];
    let action: string = tick.decision?.action ?? 'none';
    const waiting =
      engine.state() === 'running.awaitingApproval' ||
      (engine.state() === 'pending' && tick.decision?.awaitingApproval === true);
    if (opts.autoApprove && waiting) {
      steps.push(engine.send({ type: 'APPROVE', now, by: 'simulate', reason: '--auto-approve' }));
      steps.push(...(await applyDueWrites(engine, opts.toggles, now)));
      action = 'approve';
    }
    const decision: Decision | null = tick.decision;
    const summary = engine.summary();
    timeline.push({
      at: now,
      state: summary.state,
      stage: summary.stage,
      percent: summary.percent,
      action,
      reasons: decision?.reasons ?? (summary.reason ? [summary.reason] : []),
      results: decision?.results ?? [],
      measurements,
      notices: steps.flatMap((s) => s.notices.map((n) => n.type)),
    });
    const reason = stopReason(engine);
    if (reason) {
      stopped = reason;
      break;
    }
    now = opts.nextCheck(now);
  }
  return { timeline, final: engine.summary(), stoppedBecause: stopped };
}
