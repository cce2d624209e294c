import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { decisionsOf } from '../../src/report/decisions.js';
import { START, check, transition, write } from './fixtures.js';

/* The report's decision list (src/report/decisions.ts). */

const obs = { sent: 100, failed: 1, clicks: 40, delivered: 100, calls: 0 };
const at = (ms: number) => new Date(ms).toISOString();

describe('decisionsOf', () => {
  it('lists commands (refused ones marked), checks that did something and real transitions, in order', () => {
    const history: HistoryEntry[] = [
      check(START, 'canary', 2, obs, 'hold'),
      check(START + 1000, 'canary', 2, obs, 'advance', { reasons: ['advancing canary → stage-b'] }),
      ...write(START + 1000, 'i1', 25),
      transition(START + 2000, 'running', 'running', 'stage-b', 25),
      transition(START + 3000, 'running', 'paused', 'stage-b', 25, 'paused by ana'),
      {
        type: 'command',
        at: START + 4000,
        command: 'approve',
        by: 'bo',
        reason: null,
        accepted: false,
        message: 'nothing awaits approval',
      },
      {
        type: 'command',
        at: START + 5000,
        command: 'resume',
        by: 'ana',
        reason: 'fixed',
        accepted: true,
        message: null,
      },
    ];
    expect(decisionsOf(history)).toEqual([
      {
        at: at(START + 1000),
        kind: 'check',
        action: 'advance',
        by: null,
        detail: 'advancing canary → stage-b',
      },
      {
        at: at(START + 3000),
        kind: 'transition',
        action: 'running → paused',
        by: null,
        detail: 'paused by ana',
      },
      {
        at: at(START + 4000),
        kind: 'command',
        action: 'approve (refused)',
        by: 'bo',
        detail: 'nothing awaits approval',
      },
      { at: at(START + 5000), kind: 'command', action: 'resume', by: 'ana', detail: 'fixed' },
    ]);
  });
});
