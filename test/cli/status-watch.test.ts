import { describe, expect, it } from 'vitest';
import type { StatusRow } from '../../src/controller/status-view.js';
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
