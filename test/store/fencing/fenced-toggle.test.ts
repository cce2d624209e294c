import { describe, expect, it } from 'vitest';
import { MemoryToggleProvider } from '../../../src/providers/toggles/memory.js';
import { FencedToggleProvider } from '../../../src/store/fencing/fenced-toggle.js';
import { fakeLeadership } from './fence-fakes.js';

const GATE = 'percentage_of_actors' as const;

function setup(leader: boolean) {
  const state = { leader, confirms: [] as string[] };
  const inner = new MemoryToggleProvider({ features: ['f'] });
  const toggle = new FencedToggleProvider(inner, fakeLeadership({ holder: 'a', epoch: 4 }, state));
  return { state, inner, toggle };
}

describe('fenced toggle provider', () => {
  it('confirms the lease with the database before raising exposure, then writes', async () => {
    const { state, inner, toggle } = setup(true);
    await toggle.setPercent('f', 25, GATE);
    expect(state.confirms).toEqual(['confirm 4']);
    expect((await inner.read('f')).percentageOfActors).toBe(25);
  });

  it('refuses to raise exposure once deposed, without touching the toggle', async () => {
    const { inner, toggle } = setup(true);
    await toggle.setPercent('f', 10, GATE);
    const deposed = setup(false);
    await expect(deposed.toggle.setPercent('f', 25, GATE)).rejects.toMatchObject({ code: 'E_FENCED' });
    await expect(deposed.toggle.enable('f')).rejects.toMatchObject({ code: 'E_FENCED' });
    expect((await deposed.inner.read('f')).percentageOfActors).toBe(0);
    expect((await inner.read('f')).percentageOfActors).toBe(10);
  });

  it('turns the toggle off from a deposed replica without asking the database', async () => {
    const { state, inner, toggle } = setup(false);
    await inner.setPercent('f', 30, GATE);
    await toggle.setPercent('f', 0, GATE);
    expect((await inner.read('f')).percentageOfActors).toBe(0);
    await inner.setPercent('f', 30, GATE);
    await toggle.disable('f', 'zero');
    expect((await inner.read('f')).percentageOfActors).toBe(0);
    expect(state.confirms).toEqual([]);
  });
});
