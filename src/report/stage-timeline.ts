import type { HistoryEntry, RolloutState } from '../ports/state-store.js';

/*
 * Which history entries belong to which stage, and when each stage ran.
 * History written by this version has explicit `stage` entries (entered /
 * left, appended by the runtime when the toggle write that moves users lands):
 * those are the periods, as written. Older history (no stage entries) is
 * inferred, walked in order with a "current stage" that moves on:
 *  - a transition naming a stage,
 *  - a successful toggle write whose percent is a planned stage's percent
 *    (the moment users actually got the new share),
 *  - a check naming another stage, unless a switch happened at or after its
 *    time (the runner may append the deciding check after the toggle write).
 * A transition to rolling_back / rolled_back / completed closes the stage.
 * Checks always count for the stage they name; post-launch checks for none.
 */

const CLOSING: ReadonlySet<RolloutState> = new Set(['rolling_back', 'rolled_back', 'completed']);

export interface Period {
  start: number;
  end: number | null;
}

export interface StageTimeline {
  /** stage names in the order they first ran */
  readonly seen: readonly string[];
  readonly periods: ReadonlyMap<string, readonly Period[]>;
  readonly entries: ReadonlyMap<string, readonly HistoryEntry[]>;
}

export function stageTimeline(
  history: readonly HistoryEntry[],
  stageByPercent: ReadonlyMap<number, string> = new Map(),
): StageTimeline {
  return history.some((e) => e.type === 'stage')
    ? explicitTimeline(history)
    : inferredTimeline(history, stageByPercent);
}

/** From `stage` entries; other entries belong to the stage they name (checks) or the stage active then. */
function explicitTimeline(history: readonly HistoryEntry[]): StageTimeline {
  const periods = new Map<string, Period[]>();
  const entries = new Map<string, HistoryEntry[]>();
  const seen: string[] = [];
  let current: string | null = null;
  // the stage a check or command belongs to after its stage was left (a rollback's toggle-off)
  let last: string | null = null;
  const assign = (stage: string | null, entry: HistoryEntry): void => {
    if (stage === null) return;
    const list = entries.get(stage) ?? [];
    list.push(entry);
    entries.set(stage, list);
  };
  for (const entry of history) {
    switch (entry.type) {
      case 'stage': {
        if (entry.event === 'entered') {
          if (!periods.has(entry.stage)) {
            periods.set(entry.stage, []);
            seen.push(entry.stage);
          }
          periods.get(entry.stage)?.push({ start: entry.at, end: null });
          current = entry.stage;
        } else {
          const p = periods.get(entry.stage)?.at(-1);
          if (p && p.end === null) p.end = entry.at;
          if (current === entry.stage) current = null;
        }
        last = entry.stage;
        assign(entry.stage, entry);
        break;
      }
      case 'check':
        if (entry.detail.postLaunch === null) assign(entry.stage ?? current ?? last, entry);
        break;
      case 'stage-errors':
        assign(entry.stage, entry);
        break;
      default:
        assign(current ?? last, entry);
    }
  }
  return { seen, periods, entries };
}

function inferredTimeline(
  history: readonly HistoryEntry[],
  stageByPercent: ReadonlyMap<number, string>,
): StageTimeline {
  const periods = new Map<string, Period[]>();
  const entries = new Map<string, HistoryEntry[]>();
  const seen: string[] = [];
  let current: string | null = null;
  let switchedAt = Number.NEGATIVE_INFINITY;

  const lastPeriod = (stage: string): Period | undefined => periods.get(stage)?.at(-1);
  const close = (at: number): void => {
    const p = current === null ? undefined : lastPeriod(current);
    if (p && p.end === null) p.end = at;
  };
  const open = (stage: string, at: number): void => {
    if (stage === current && lastPeriod(stage)?.end === null) return;
    close(at);
    if (!periods.has(stage)) {
      periods.set(stage, []);
      seen.push(stage);
    }
    periods.get(stage)?.push({ start: at, end: null });
    current = stage;
    switchedAt = at;
  };
  const assign = (stage: string | null, entry: HistoryEntry): void => {
    if (stage === null) return;
    const list = entries.get(stage) ?? [];
    list.push(entry);
    entries.set(stage, list);
  };

  for (const entry of history) {
    switch (entry.type) {
      case 'check': {
        if (entry.detail.postLaunch !== null || entry.stage === null) break;
        if (current === null || (entry.stage !== current && entry.at > switchedAt))
          open(entry.stage, entry.at);
        assign(entry.stage, entry);
        break;
      }
      case 'transition': {
        if (CLOSING.has(entry.to)) {
          assign(current, entry);
          close(entry.at);
        } else {
          if (entry.stage !== null) open(entry.stage, entry.at);
          assign(current, entry);
        }
        break;
      }
      case 'toggle-result': {
        const stage = entry.ok && entry.percent !== null ? stageByPercent.get(entry.percent) : undefined;
        if (stage !== undefined) open(stage, entry.at);
        assign(current, entry);
        break;
      }
      default:
        assign(current, entry);
    }
  }
  return { seen, periods, entries };
}
