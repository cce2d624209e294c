import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { rollbacksOf } from '../../src/report/rollbacks.js';
import { START, transition, write } from './fixtures.js';

/* The report's rollbacks (src/report/rollbacks.ts). */

const at = (ms: number) => new Date(ms).toISOString();

describe('rollbacksOf', () => {
  it('each rollback: its failed writes, the write that turned the toggle off, and when it was done', () => {
    const history: HistoryEntry[] = [
      ...write(START - 5000, 'i0', 50), // before the rollback: not counted
      transition(START, 'running', 'rolling_back', 'stage-c', 50, 'error_rate > 5%'),
      ...write(START + 1000, 'i1', 0, false),
      ...write(START + 2000, 'i2', 0),
      transition(START + 3000, 'rolling_back', 'rolled_back', 'stage-c', 0),
      transition(START + 10_000, 'running', 'rolling_back', 'canary', 2, 'aborted by ana'),
      ...write(START + 11_000, 'i3', 0, false),
    ];
    expect(rollbacksOf(history)).toEqual([
      {
        at: at(START),
        stage: 'stage-c',
        percent: 50,
        reason: 'error_rate > 5%',
        toggleOffAt: at(START + 2200),
        failedAttempts: 1,
        rolledBackAt: at(START + 3000),
      },
      {
        at: at(START + 10_000),
        stage: 'canary',
        percent: 2,
        reason: 'aborted by ana',
        toggleOffAt: null,
        failedAttempts: 1,
        rolledBackAt: null,
      },
    ]);
  });

  it('a write at the rollback’s own time counts (older history put the deciding check after the write)', () => {
    const history: HistoryEntry[] = [
      { type: 'toggle-result', at: START, intentId: 'i1', ok: true, percent: 0, error: null },
      transition(START, 'running', 'rolling_back', 'canary', 2, 'breach'),
    ];
    expect(rollbacksOf(history)[0]?.toggleOffAt).toBe(at(START));
  });
});
