import { silentLogger, type Logger } from '../log.js';
import type { CriterionResult } from '../engine/judge.js';
import type { Measurement, MetricsProvider } from '../ports/metrics-provider.js';
import type { RolloutEvent, RolloutEventType } from '../ports/notifier.js';
import type { RolloutRecord, RolloutState, RolloutSummary, StateStore } from '../ports/state-store.js';
import type { ToggleProvider } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import { applyOperatorCommand } from './commands.js';
import { openEngineSession } from './engine-adapter.js';
import type { EngineSession } from './engine-session.js';
import { createRunner } from './runner.js';

/*
 * A rollout on a virtual clock, through the production path: the real runner
 * (src/runtime/runner.ts) with the caller's memory state store, memory toggle
 * and metrics provider (the replay provider for `simulate`, a synthetic
 * one for the decision-quality benchmark). One check per scheduled time; the
 * clock stands still during a check, so a toggle write lands at the check's
 * time. Nobody is at the keyboard, so the run ends when the rollout
 * completes, rolls back or pauses, or after `until`. With `autoApprove`,
 * every approval the rollout waits for is given at the same check, as an
 * operator command whose write is applied at once (a running controller
 * applies it within a second).
 */

export interface SimulateRolloutOptions {
  readonly rollout: Rollout;
  /** what every metric of the rollout reads (any provider name maps to it) */
  readonly metrics: MetricsProvider;
  /** epoch ms of the first check */
  readonly from: number;
  /** no check after this time */
  readonly until: number;
  /** the next check strictly after `now` (the rollout's schedule); default: `check.every` */
  readonly nextCheck?: (now: number) => number;
  readonly autoApprove?: boolean;
  /** a guard against schedules that never reach `until`; default 100 000 */
  readonly maxChecks?: number;
  /** a fresh memory store (src/store/memory-store.ts); read the history the run wrote from it */
  readonly store: StateStore;
  /** a fresh memory toggle (src/providers/toggles/memory.ts) */
  readonly toggles: ToggleProvider;
  readonly logger?: Logger;
  /** tests swap the engine */
  readonly openSession?: (rollout: Rollout, record: RolloutRecord | undefined) => EngineSession;
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

const STOPS: Partial<Record<RolloutState, StopReason>> = {
  completed: 'completed',
  rolled_back: 'rolled_back',
  paused: 'paused',
};

export async function simulateRollout(opts: SimulateRolloutOptions): Promise<SimulationResult> {
  const { rollout } = opts;
  const { store, toggles } = opts;
  const openSession = opts.openSession ?? openEngineSession;
  const everyMs = rollout.check.schedule.kind === 'every' ? rollout.check.schedule.everyMs : 60_000;
  const nextCheck = opts.nextCheck ?? ((now: number) => now + everyMs);
  const maxChecks = opts.maxChecks ?? 100_000;
  let now = opts.from;
  // the notices of the current check and of every write it made, in order
  let heard: RolloutEventType[] = [];
  const runner = createRunner({
    store,
    metricsFor: () => opts.metrics,
    toggleFor: () => toggles,
    openSession,
    notify: (_names, event: RolloutEvent) => void heard.push(event.type),
    logger: opts.logger ?? silentLogger(),
    now: () => now,
    // a series has no late points
    settleMs: 0,
  });

  const timeline: TimelineEntry[] = [];
  let stopped: StopReason = 'end of series';
  let summary: RolloutSummary = openSession(rollout, undefined).summary();
  for (let checks = 0; now <= opts.until; checks++) {
    if (checks >= maxChecks) {
      stopped = 'check limit';
      break;
    }
    heard = [];
    const report = await runner.check(rollout);
    const decision = report.facts?.decision ?? null;
    let action = report.action ?? 'none';
    summary = report.record?.summary ?? summary;
    const waiting =
      summary.state === 'awaiting_approval' ||
      (summary.state === 'pending' && decision?.raw?.awaitingApproval === true);
    if (opts.autoApprove && waiting) {
      const result = await applyOperatorCommand(store, rollout, 'approve', {
        by: 'simulate',
        reason: '--auto-approve',
        now,
        notify: (_names, event) => void heard.push(event.type),
        openSession,
      });
      await runner.applyPending(rollout);
      summary = (await store.load(rollout.name))?.summary ?? result.summary;
      action = 'approve';
    }
    timeline.push({
      at: now,
      state: summary.state,
      stage: summary.stage,
      percent: summary.percent,
      action,
      reasons: decision?.reasons ?? (summary.reason ? [summary.reason] : []),
      results: decision?.raw?.results ?? [],
      measurements: report.facts?.measurements ?? {},
      notices: heard,
    });
    const stop = STOPS[summary.state];
    if (stop) {
      stopped = stop;
      break;
    }
    now = nextCheck(now);
  }
  return { timeline, final: summary, stoppedBecause: stopped };
}
