import { describe, expect, it } from 'vitest';
import { historyEntry, type HistoryEntry } from '../../src/ports/history.js';
import { rel, timelineLines } from '../../src/sandbox/demo-timeline.js';

/* The demo's printed timeline (src/sandbox/demo-timeline.ts). */

const START = 1_750_000_000_000;

describe('rel', () => {
  it('prints seconds since the start, aligned', () => {
    expect(rel(START + 1500, START)).toBe('+  1.5s');
    expect(rel(START + 61_000, START)).toBe('+ 61.0s');
  });
});

describe('timelineLines', () => {
  it('lists transitions, toggle writes and commands by time, ties in the order appended', () => {
    const history: HistoryEntry[] = [
      // appended before the earlier transition: time orders the lines, not the file
      historyEntry({
        type: 'toggle-result',
        at: START + 2000,
        intentId: 'i1',
        ok: true,
        percent: 5,
        error: null,
      }),
      historyEntry({
        type: 'transition',
        at: START + 1000,
        from: 'pending',
        to: 'running',
        stage: 'canary',
        percent: 0,
        reason: 'starting canary',
      }),
      historyEntry({
        type: 'toggle-result',
        at: START + 3000,
        intentId: 'i2',
        ok: false,
        percent: null,
        error: 'HTTP 503',
      }),
      historyEntry({
        type: 'command',
        at: START + 4000,
        command: 'pause',
        by: 'ana',
        reason: null,
        accepted: false,
        message: 'already paused',
      }),
      historyEntry({ type: 'spec', at: START, specHash: 'h', source: null }),
      historyEntry({
        type: 'transition',
        at: START + 4000,
        from: 'running',
        to: 'paused',
        stage: null,
        percent: 5,
        reason: null,
      }),
    ];
    expect(timelineLines('demo', history, START)).toEqual([
      '+  1.0s  demo  pending → running at canary (0%) — starting canary',
      '+  2.0s  demo  toggle set to 5%',
      '+  3.0s  demo  toggle write FAILED: HTTP 503',
      '+  4.0s  demo  pause by ana (refused)',
      '+  4.0s  demo  running → paused at - (5%)',
    ]);
  });
});
