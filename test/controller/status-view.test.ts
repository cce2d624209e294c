import { describe, expect, it } from 'vitest';
import { formatStatusTable, statusRows } from '../../src/controller/status-view.js';
import type { RolloutRecord, RolloutSummary } from '../../src/ports/state-store.js';
import type { Rollout } from '../../src/rollout/types.js';

const NOW = Date.parse('2026-06-17T12:00:00Z');

function record(name: string, summary: Partial<RolloutSummary>, intent = false): RolloutRecord {
  return {
    name,
    version: 3,
    specHash: 'h',
    snapshot: {},
    intent: intent ? { id: 'i1', action: 'set', percent: 25, gate: 'percentage_of_actors', at: NOW } : null,
    summary: {
      state: 'running',
      stage: 'canary',
      stageIndex: 0,
      percent: 2,
      reason: null,
      lastCheck: null,
      ...summary,
    },
    updatedAt: NOW,
  };
}

function spec(name: string): Rollout {
  return {
    name,
    source: `rollouts/${name}.yaml`,
    toggle: { feature: `${name.replace(/-/g, '_')}_enabled` },
    stages: [{ name: 'canary' }],
  } as unknown as Rollout;
}

describe('statusRows', () => {
  it('a duplicate rollout name: the row of the kept rollout names the ignored file, the table says so', () => {
    const problems = [
      {
        path: 'rollouts/copy.yaml',
        line: 1,
        col: 7,
        message: 'name: duplicate rollout name "a-live" (also in rollouts/a-live.yaml)',
        duplicateOf: { name: 'a-live', kept: 'rollouts/a-live.yaml' },
      },
    ];
    const rows = statusRows([record('a-live', {})], [spec('a-live')], [], problems);
    expect(rows[0]?.duplicates).toEqual([{ ignored: 'rollouts/copy.yaml', kept: 'rollouts/a-live.yaml' }]);
    expect(formatStatusTable(rows, NOW)).toContain(
      '[duplicate name: rollouts/copy.yaml ignored, rollouts/a-live.yaml kept]',
    );
  });

  it('joins records with rollout files: never-checked pending rows, removed files, sorted by name', () => {
    const rows = statusRows(
      [
        record('b-gone', { state: 'paused', reason: 'drift' }),
        record('a-live', { percent: 25, stage: 'stage-b', lastCheck: NOW - 30_000 }, true),
      ],
      [spec('a-live'), spec('c-new')],
    );
    expect(rows).toEqual([
      {
        name: 'a-live',
        state: 'running',
        stage: 'stage-b',
        percent: 25,
        reason: null,
        lastCheck: '2026-06-17T11:59:30.000Z',
        feature: 'a_live_enabled',
        file: 'rollouts/a-live.yaml',
        fileProblem: null,
        pendingIntent: true,
        version: 3,
        duplicates: [],
      },
      {
        name: 'b-gone',
        state: 'paused',
        stage: 'canary',
        percent: 2,
        reason: 'drift',
        lastCheck: null,
        feature: null,
        file: null,
        fileProblem: null,
        pendingIntent: false,
        version: 3,
        duplicates: [],
      },
      {
        name: 'c-new',
        state: 'pending',
        stage: 'canary',
        percent: 0,
        reason: 'not checked yet',
        lastCheck: null,
        feature: 'c_new_enabled',
        file: 'rollouts/c-new.yaml',
        fileProblem: null,
        pendingIntent: false,
        version: 0,
        duplicates: [],
      },
    ]);
  });
});

describe('formatStatusTable', () => {
  it('aligns columns and marks pending writes and removed files', () => {
    const rows = statusRows(
      [
        record('a-live', { percent: 2.5, lastCheck: NOW - 30_000 }, true),
        record('b-gone', { state: 'paused', reason: 'drift' }),
      ],
      [spec('a-live')],
    );
    expect(formatStatusTable(rows, NOW)).toBe(
      [
        'NAME    STATE     STAGE   PERCENT  LAST CHECK                      REASON',
        'a-live  running*  canary  2.5%     2026-06-17T11:59:30Z (30s ago)',
        'b-gone  paused    canary  2%       never                           drift [rollout file removed: not checked]',
        '',
        '* a toggle write is pending: a running controller applies it within a second',
        '',
      ].join('\n'),
    );
  });

  it('tells an invalid file (the controller runs its last valid version) from a removed one', () => {
    const rows = statusRows(
      [
        record('b-typo', { state: 'running', reason: null }),
        record('c-gone', { state: 'paused', reason: 'drift' }),
      ],
      [],
      [],
      [{ path: 'rollouts/b-typo.yaml', line: 12, col: 3, message: 'unknown key "polcy"' }],
    );
    const table = formatStatusTable(rows, NOW).split('\n');
    expect(table[1]).toMatch(
      / \[rollout file invalid \(rollouts\/b-typo\.yaml:12:3: unknown key "polcy"\), running the last valid version\]$/,
    );
    expect(table[2]).toMatch(/drift \[rollout file removed: not checked\]$/);
  });

  it('says so when there is nothing', () => {
    expect(formatStatusTable([], NOW)).toBe('no rollouts\n');
  });
});
