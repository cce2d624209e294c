import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import {
  detailView,
  lastCheckView,
  listItem,
  pendingItem,
  problemItem,
  stageViews,
} from '../../src/server/rollout-view.js';
import { T0, filledStore, record } from './helpers.js';

const history = (): HistoryEntry[] => filledStore().entries.get('alpha') ?? [];
const ISO = new Date(T0).toISOString();

describe('listItem, pendingItem, problemItem', () => {
  it('a record: its summary with ISO times', () => {
    const rec = {
      ...record('beta', { state: 'paused', stage: 'canary', stageIndex: 0, percent: 2 }),
      updatedAt: T0,
    };
    expect(listItem(rec)).toEqual({
      name: 'beta',
      state: 'paused',
      stage: 'canary',
      stageIndex: 0,
      percent: 2,
      reason: rec.summary.reason,
      lastCheckAt: rec.summary.lastCheck === null ? null : new Date(rec.summary.lastCheck).toISOString(),
      updatedAt: ISO,
      version: rec.version,
      problem: null,
    });
  });

  it('a loaded rollout without a record is pending at 0%, never saved', () => {
    expect(pendingItem('gamma')).toMatchObject({
      name: 'gamma',
      state: 'pending',
      percent: 0,
      version: 0,
      problem: null,
    });
  });

  it('an unreadable record is unknown, with the file at fault', () => {
    const item = problemItem({
      name: 'broken',
      code: 'E_STORE_CORRUPT',
      message: 'not JSON',
      path: '.stagegate/rollouts/broken.json',
    });
    expect(item).toMatchObject({
      name: 'broken',
      state: 'unknown',
      reason: 'not JSON',
      problem: { code: 'E_STORE_CORRUPT', message: 'not JSON', path: '.stagegate/rollouts/broken.json' },
    });
  });
});

describe('lastCheckView', () => {
  it('is the newest check, with its decision, values and reasons', () => {
    const view = lastCheckView(history());
    expect(view).toMatchObject({
      at: ISO,
      stage: 'canary',
      percent: 2,
      decision: 'hold',
      reasons: ['error_rate inconclusive'],
      exposure: '2% of actors',
      measurements: { error_rate: { kind: 'ratio', value: 0.02 } },
      results: [
        {
          criterion: 'error_rate < 5%',
          kind: 'advance',
          verdict: 'inconclusive',
          value: 0.02,
          interval: [0.005, 0.07],
          reason: 'error_rate 2.0% (0.5%–7.0%) needs < 5%',
        },
      ],
    });
  });

  it('takes the last check even when other entries follow it, and is null without one', () => {
    const entries = history();
    const check = entries.find((e) => e.type === 'check')!;
    const later = { ...check, at: T0 + 60_000, percent: 25 } as HistoryEntry;
    const after: HistoryEntry = { type: 'spec', at: T0 + 70_000, specHash: 'def', source: null };
    expect(lastCheckView([...entries, later, after])?.percent).toBe(25);
    expect(lastCheckView(entries.filter((e) => e.type !== 'check'))).toBeNull();
  });
});

describe('stageViews and detailView', () => {
  it('lists the stage entries as written, oldest first, and the detail joins both', () => {
    const stages = stageViews(history());
    expect(stages).toEqual([
      {
        at: new Date(T0 - 5_000).toISOString(),
        event: 'entered',
        stage: 'canary',
        percent: 2,
        why: 'started',
      },
    ]);
    const detail = detailView(pendingItem('alpha'), history());
    expect(detail.stages).toEqual(stages);
    expect(detail.lastCheck?.decision).toBe('hold');
    expect(detail.name).toBe('alpha');
  });
});
