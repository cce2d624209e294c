import { describe, expect, it } from 'vitest';
import { stageTimeline } from '../../src/report/stage-timeline.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { START, check, transition, write } from './fixtures.js';

const M = 60_000;
const obs = { sent: 100, failed: 1, clicks: 40, delivered: 100, calls: 0 };

describe('stageTimeline', () => {
  const byPercent = new Map([
    [2, 'canary'],
    [25, 'stage-b'],
  ]);

  it('starts a stage at the successful toggle write, even when the deciding check is appended after it', () => {
    const history: HistoryEntry[] = [
      ...write(START, 'i1', 2),
      check(START + 10 * M, 'canary', 2, obs, 'hold'),
      ...write(START + 20 * M, 'i2', 25),
      check(START + 20 * M, 'canary', 2, obs, 'advance'),
      check(START + 30 * M, 'stage-b', 25, obs, 'hold'),
    ];
    const t = stageTimeline(history, byPercent);
    expect(t.seen).toEqual(['canary', 'stage-b']);
    expect(t.periods.get('canary')).toEqual([{ start: START + 200, end: START + 20 * M + 200 }]);
    expect(t.periods.get('stage-b')).toEqual([{ start: START + 20 * M + 200, end: null }]);
    expect(t.entries.get('canary')?.filter((e) => e.type === 'check')).toHaveLength(2);
    expect(t.entries.get('stage-b')?.filter((e) => e.type === 'check')).toHaveLength(1);
  });

  it('a failed toggle write does not start the stage', () => {
    const history: HistoryEntry[] = [...write(START, 'i1', 2), ...write(START + M, 'i2', 25, false)];
    expect(stageTimeline(history, byPercent).seen).toEqual(['canary']);
  });

  it('a retry after a rollback runs the stage again as a second period', () => {
    const history: HistoryEntry[] = [
      transition(START, 'pending', 'running', 'canary', 0),
      transition(START + 10 * M, 'running', 'rolling_back', 'canary', 2),
      transition(START + 11 * M, 'rolling_back', 'rolled_back', 'canary', 0),
      transition(START + 60 * M, 'rolled_back', 'running', 'canary', 0, 'retry by ian'),
    ];
    expect(stageTimeline(history, byPercent).periods.get('canary')).toEqual([
      { start: START, end: START + 10 * M },
      { start: START + 60 * M, end: null },
    ]);
  });

  it('post-launch checks belong to no stage', () => {
    const history: HistoryEntry[] = [
      check(START, 'stage-e', 100, obs, 'hold', { postLaunchMs: 7 * 86_400_000 }),
    ];
    expect(stageTimeline(history, byPercent).seen).toEqual([]);
  });
});
