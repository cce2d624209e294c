import type { HistoryEntry } from '../ports/state-store.js';

/*
 * Post-launch check-ins (`postLaunch: [7d, 30d]`): after a rollout completes,
 * one measurement of every metric at completion + each offset, recorded as a
 * `check` history entry with `detail.postLaunch = { offsetMs }`. History is
 * the record of which offsets are done, so a restart does not repeat them.
 * Pure helpers; the runner does the measuring.
 */

export interface PostLaunchProgress {
  /** epoch ms the rollout completed */
  readonly completedAt: number;
  /** offsets already checked in */
  readonly done: Set<number>;
}

/** From history: when the rollout last completed and which offsets were checked in since; undefined if it never completed. */
export function postLaunchProgress(history: readonly HistoryEntry[]): PostLaunchProgress | undefined {
  let completedAt: number | undefined;
  let done = new Set<number>();
  for (const e of history) {
    if (e.type === 'transition' && e.to === 'completed') {
      completedAt = e.at;
      done = new Set();
    } else if (e.type === 'check' && completedAt !== undefined) {
      const offset = e.detail.postLaunch?.offsetMs;
      if (offset !== undefined) done.add(offset);
    }
  }
  return completedAt === undefined ? undefined : { completedAt, done };
}

/** Offsets due at `now` and not checked in yet, earliest first. */
export function dueOffsets(offsets: readonly number[], progress: PostLaunchProgress, now: number): number[] {
  return [...new Set(offsets)]
    .filter((o) => !progress.done.has(o) && progress.completedAt + o <= now)
    .sort((a, b) => a - b);
}

/** Whether every offset is checked in: then nothing is left to do for this rollout. */
export function allCheckedIn(offsets: readonly number[], progress: PostLaunchProgress): boolean {
  return offsets.every((o) => progress.done.has(o));
}
