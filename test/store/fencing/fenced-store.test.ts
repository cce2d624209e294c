import { describe, expect, it } from 'vitest';
import { historyEntry } from '../../../src/ports/history.js';
import type { HistoryEntry } from '../../../src/ports/state-store.js';
import { FencedStore, isTowardOff } from '../../../src/store/fencing/fenced-store.js';
import { MemoryStateStore } from '../../../src/store/memory-store.js';
import { lockFencedStore } from '../../../src/store/state-lock-leadership.js';
import { record } from '../helpers.js';
import { fakeLeadership } from './fence-fakes.js';

const intent = (percent: number, action: 'set' | 'disable' = 'set'): HistoryEntry =>
  historyEntry({
    type: 'toggle-intent',
    at: 1,
    intent: { id: `i${percent}`, action, percent, gate: 'percentage_of_actors', at: 1 },
  });
const spec = historyEntry({ type: 'spec', at: 2, specHash: 'h', source: null });

function fenced(state: { leader: boolean }) {
  const inner = new MemoryStateStore();
  const leadership = fakeLeadership({ holder: 'a', epoch: 1 }, state);
  return { inner, store: new FencedStore(lockFencedStore(inner, leadership), leadership) };
}

describe('fenced store', () => {
  it.each([
    [intent(0), true],
    [intent(5, 'disable'), true],
    [intent(5), false],
    [historyEntry({ type: 'toggle-result', at: 1, intentId: 'x', ok: true, percent: 0, error: null }), true],
    [historyEntry({ type: 'toggle-result', at: 1, intentId: 'x', ok: true, percent: 5, error: null }), false],
    [spec, false],
  ])('isTowardOff(%#)', (entry, expected) => {
    expect(isTowardOff(entry)).toBe(expected);
  });

  it("saves with the step's history while leader, and refuses both once deposed", async () => {
    const state = { leader: true };
    const { inner, store } = fenced(state);
    await store.save(record('alpha'), 0, { history: [spec] });
    state.leader = false;
    await expect(store.save(record('alpha'), 1, { history: [intent(5)] })).rejects.toMatchObject({
      code: 'E_FENCED',
    });
    expect((await inner.load('alpha'))?.version).toBe(1);
    expect(await inner.history('alpha')).toEqual([spec]);
  });

  it('records a write toward off even when deposed, and nothing else', async () => {
    const { inner, store } = fenced({ leader: false });
    await store.appendHistory('alpha', intent(0));
    await expect(store.appendHistory('alpha', intent(5))).rejects.toMatchObject({ code: 'E_FENCED' });
    expect(await store.history('alpha')).toEqual([intent(0)]);
    expect(await inner.history('alpha')).toEqual([intent(0)]);
  });
});
