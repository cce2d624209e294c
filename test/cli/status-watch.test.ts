import { describe, expect, it } from 'vitest';
import type { StatusRow } from '../../src/controller/status-view.js';
import { prettyLine } from '../../src/cli/pretty-log.js';
import { changes, REDRAW, screen } from '../../src/cli/status-watch.js';

const row = (name: string, over: Partial<StatusRow> = {}): StatusRow => ({
  name,
  state: 'running',
  stage: 'canary',
  percent: 5,
  reason: null,
  lastCheck: '2025-06-17T12:00:00.000Z',
  feature: null,
  file: null,
  fileProblem: null,
  pendingIntent: false,
  version: 1,
  duplicates: [],
  ...over,
});
const AT = Date.parse('2025-06-17T12:00:05Z');

describe('status --watch changes', () => {
  it.each([
    ['first read: every rollout', [], [row('a'), row('b')], ['a running canary 5%', 'b running canary 5%']],
    ['nothing changed', [row('a')], [row('a')], []],
    [
      'a new check alone is not a change',
      [row('a')],
      [row('a', { lastCheck: '2025-06-17T12:00:04.000Z' })],
      [],
    ],
    [
      'stage and percent',
      [row('a')],
      [row('a', { stage: 'stage-b', percent: 25 })],
      ['a running stage-b 25%'],
    ],
    [
      'state with its reason, on one line',
      [row('a')],
      [row('a', { state: 'paused', reason: 'paused by ian:\nmaintenance' })],
      ['a paused canary 5% — paused by ian: maintenance'],
    ],
    ['removed', [row('a'), row('b')], [row('a')], ['b removed']],
  ] as const)('%s', (_what, before, after, lines) => {
    const seen = changes(new Map(), before, AT - 1000).seen;
    const next = changes(seen, after, AT);
    expect(next.lines).toEqual(lines.map((l) => `2025-06-17T12:00:05.000Z ${l}`));
  });

  it('redraws the terminal from the top', () => {
    const text = screen('TABLE\n', AT, 2000);
    expect(text.startsWith(REDRAW)).toBe(true);
    expect(text).toContain('every 2s');
    expect(text.endsWith('TABLE\n')).toBe(true);
  });
});

describe('run --pretty lines', () => {
  it('prints a check as one line: rollout, stage, percent, decision, each metric with its verdicts, why', () => {
    const json = JSON.stringify({
      level: 30,
      time: AT,
      pid: 1,
      rollout: 'ebg',
      stage: 'canary',
      percent: 5,
      state: 'running',
      decision: 'hold',
      reason: '5m of minDuration 4h',
      metrics: {
        error_rate: {
          value: 0.01,
          interval: [0.004, 0.02],
          counts: '18/1800',
          vs: ['error_rate < 5% → pass', 'error_rate > 10% → ok'],
        },
        sent: { value: null, missing: 'no data: empty', vs: [] },
      },
      ms: 12,
      msg: 'check',
    });
    const line = prettyLine(json);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toBe(
      '12:00:05.000 INFO  check ebg canary 5% running → hold error_rate=0.01 (18/1800) [pass,ok] sent=no data: empty — 5m of minDuration 4h (12 ms)',
    );
  });

  it('prints other records as message and fields, and passes non-JSON through', () => {
    expect(
      prettyLine(
        JSON.stringify({ level: 40, time: AT, msg: 'stage held too long', stage: 'canary', pid: 3 }),
      ),
    ).toBe('12:00:05.000 WARN  stage held too long stage=canary');
    expect(prettyLine('not json')).toBe('not json');
  });
});
