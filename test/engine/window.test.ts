import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTLE_MS, isEmptyWindow, resolveWindow } from '../../src/engine/window.js';
import type { MetricWindow } from '../../src/rollout/types.js';

const NOW = 1_750_000_000_000;
const MIN = 60_000;
const H = 60 * MIN;
const stage: MetricWindow = { kind: 'stage' };
const dur = (ms: number): MetricWindow => ({ kind: 'duration', ms });

describe('resolveWindow', () => {
  it.each([
    // [name, spec, stageStart, opts, expected]
    [
      '15m: ends 60 s before now, keeps its length',
      dur(15 * MIN),
      NOW - 4 * H,
      {},
      { from: NOW - MIN - 15 * MIN, to: NOW - MIN },
    ],
    ['1h: same 60 s settle', dur(H), NOW - 4 * H, {}, { from: NOW - MIN - H, to: NOW - MIN }],
    [
      '5m: settle capped at a tenth of the window (30 s)',
      dur(5 * MIN),
      NOW,
      {},
      { from: NOW - 30_000 - 5 * MIN, to: NOW - 30_000 },
    ],
    ['2s (demo): settle 200 ms', dur(2000), NOW, {}, { from: NOW - 200 - 2000, to: NOW - 200 }],
    ['settleMs 0 reads up to now', dur(15 * MIN), NOW, { settleMs: 0 }, { from: NOW - 15 * MIN, to: NOW }],
    [
      'stage of 4h: from stage start, 60 s settle',
      stage,
      NOW - 4 * H,
      {},
      { from: NOW - 4 * H, to: NOW - MIN },
    ],
    ['stage of 5 min: settle 30 s', stage, NOW - 5 * MIN, {}, { from: NOW - 5 * MIN, to: NOW - 30_000 }],
    ['stage just begun: empty window', stage, NOW, {}, { from: NOW, to: NOW }],
    [
      'stage starting in the future (clock skew): empty, never inverted',
      stage,
      NOW + 5000,
      {},
      { from: NOW + 5000, to: NOW + 5000 },
    ],
  ] as const)('%s', (_name, spec, stageStart, opts, expected) => {
    expect(resolveWindow(spec, NOW, stageStart, opts)).toEqual(expected);
  });

  it('the default settle is one minute', () => {
    expect(DEFAULT_SETTLE_MS).toBe(60_000);
  });

  it.each([
    [{ from: 5, to: 5 }, true],
    [{ from: 5, to: 4 }, true],
    [{ from: 5, to: 6 }, false],
  ])('isEmptyWindow(%o) = %s', (w, expected) => {
    expect(isEmptyWindow(w)).toBe(expected);
  });
});
