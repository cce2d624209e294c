import type { Logger } from '../log.js';
import type { RolloutRecord, StateStore } from '../ports/state-store.js';
import type { Rollout } from '../rollout/types.js';
import { metricFields } from './check-log.js';
import { judgeLook } from './engine-adapter.js';
import { checkEntry } from './history-entries.js';
import { measureRollout, type ProviderFor } from './measure.js';
import { allCheckedIn, dueOffsets, postLaunchProgress, type PostLaunchProgress } from './post-launch.js';
import type { Position } from './step.js';
import { queryTopErrors } from './top-errors.js';

/*
 * A completed rollout's post-launch check-ins that are due: every metric
 * measured over windows ending now (`window: stage` from completion), judged
 * against the criteria for the report, the errors query asked, one `check`
 * entry per due offset. The toggle is not read or written; nothing is decided.
 * Progress is read from history once per rollout, then kept in memory.
 */

export interface CheckInDeps {
  readonly store: StateStore;
  readonly metricsFor: ProviderFor;
  readonly now: () => number;
  readonly settleMs?: number;
}

export interface CheckIns {
  /** true when a check-in was recorded */
  run(rollout: Rollout, current: Position, log: Logger): Promise<boolean>;
  /** the rollout is not completed (again): progress remembered from an earlier completion no longer applies */
  forget(name: string): void;
}

export function createCheckIns(deps: CheckInDeps): CheckIns {
  const { store, now } = deps;
  const progressByName = new Map<string, PostLaunchProgress>();

  async function progressOf(
    rollout: Rollout,
    record: RolloutRecord | undefined,
  ): Promise<PostLaunchProgress> {
    const known = progressByName.get(rollout.name);
    if (known) return known;
    const progress = postLaunchProgress(await store.history(rollout.name)) ?? {
      // completed without a completion in history (history lost): the record's last save is the best guess
      completedAt: record?.updatedAt ?? now(),
      done: new Set<number>(),
    };
    progressByName.set(rollout.name, progress);
    return progress;
  }

  async function run(rollout: Rollout, current: Position, log: Logger): Promise<boolean> {
    const cached = progressByName.get(rollout.name);
    if (cached && allCheckedIn(rollout.postLaunchMs, cached)) return false;
    const progress = await progressOf(rollout, current.record);
    const started = now();
    const due = dueOffsets(rollout.postLaunchMs, progress, started);
    if (due.length === 0) return false;

    const window = { from: progress.completedAt, to: started };
    const [measurements, top] = await Promise.all([
      measureRollout(rollout, deps.metricsFor, {
        now: started,
        stageStart: progress.completedAt,
        ...(deps.settleMs !== undefined && { settleMs: deps.settleMs }),
      }),
      queryTopErrors(rollout, deps.metricsFor, window, log),
    ]);
    const results = judgeLook(rollout, measurements);
    const at = now();
    const summary = current.session.summary();
    for (const offsetMs of due) {
      await store.appendHistory(
        rollout.name,
        checkEntry(rollout, {
          at,
          summary,
          measurements,
          results,
          decision: null,
          toggle: null,
          exposure: null,
          durationMs: at - started,
          postLaunch: { offsetMs },
          errors: top,
        }),
      );
      progress.done.add(offsetMs);
      log.info(
        {
          offsetMs,
          dueAt: new Date(progress.completedAt + offsetMs).toISOString(),
          metrics: metricFields(measurements, results),
          errors: top?.length ?? null,
          ms: at - started,
        },
        'post-launch check-in',
      );
    }
    return true;
  }

  return { run, forget: (name) => void progressByName.delete(name) };
}
