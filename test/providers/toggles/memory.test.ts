import { describe, expect, it } from 'vitest';
import { MemoryToggleProvider } from '../../../src/providers/toggles/memory.js';
import { toggleProviderContract } from './contract.js';

toggleProviderContract('memory', async () => {
  const provider = new MemoryToggleProvider();
  return {
    provider,
    setManually: async (feature, change) => {
      provider.setManually(feature, change);
    },
  };
});

describe('MemoryToggleProvider', () => {
  it('creates a feature on setManually, with every other gate cleared', async () => {
    const provider = new MemoryToggleProvider({ name: 'sim' });
    expect(provider.setManually('f', { groups: ['staff'] })).toEqual({
      feature: 'f',
      exists: true,
      enabled: false,
      percentageOfActors: 0,
      percentageOfTime: 0,
      expression: null,
      actors: [],
      groups: ['staff'],
      exposure: { gates: ['groups'], actorPercent: 0, anonymousPercent: 0 },
    });
    expect(provider.name).toBe('sim');
    expect((await provider.read('f')).exists).toBe(true);
  });

  it('returns copies: changing a returned allow-list does not change the toggle', async () => {
    const provider = new MemoryToggleProvider();
    provider.setManually('f', { actors: ['User;1'] });
    const read = await provider.read('f');
    (read.actors as string[]).push('User;2');
    expect((await provider.read('f')).actors).toEqual(['User;1']);
  });

  it('forgets a removed feature', async () => {
    const provider = new MemoryToggleProvider();
    await provider.setPercent('f', 10, 'percentage_of_actors');
    provider.remove('f');
    expect((await provider.read('f')).exists).toBe(false);
  });
});
