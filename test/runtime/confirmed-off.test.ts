import { describe, expect, it } from 'vitest';
import type { ToggleProvider, ToggleState } from '../../src/ports/toggle-provider.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { confirmingOff } from '../../src/runtime/confirmed-off.js';

const F = 'checkout_v2';

/** a provider whose disable answers / reads are rewritten, recording the calls */
function lying(
  inner: MemoryToggleProvider,
  patch: { answer?: (s: ToggleState) => ToggleState; read?: (s: ToggleState) => ToggleState },
) {
  const calls: string[] = [];
  const provider: ToggleProvider = {
    name: 'lying',
    read: async (f) => {
      calls.push('read');
      const s = await inner.read(f);
      return patch.read ? patch.read(s) : s;
    },
    setPercent: async (f, p, g) => {
      calls.push(`set ${p}`);
      return inner.setPercent(f, p, g);
    },
    disable: async (f, m) => {
      calls.push(`disable ${m}`);
      const s = await inner.disable(f, m);
      return patch.answer ? patch.answer(s) : s;
    },
    enable: async (f) => inner.enable(f),
  };
  return { provider, calls };
}

describe('confirmingOff', () => {
  it('writes, checks the answer, then reads back and returns the read', async () => {
    const inner = new MemoryToggleProvider({ features: [F] });
    await inner.setPercent(F, 25, 'percentage_of_actors');
    const { provider, calls } = lying(inner, {});
    const state = await confirmingOff(provider).disable(F, 'zero');
    expect(calls).toEqual(['disable zero', 'read']);
    expect(state.percentageOfActors).toBe(0);
  });

  it('refuses an answer that still shows gates open, before reading back', async () => {
    const inner = new MemoryToggleProvider({ features: [F] });
    const { provider, calls } = lying(inner, { answer: (s) => ({ ...s, percentageOfActors: 25 }) });
    await expect(confirmingOff(provider).disable(F, 'zero')).rejects.toMatchObject({
      code: 'E_TOGGLE_MISMATCH',
      details: { feature: F },
      message: expect.stringContaining(`rollback of ${F} not confirmed`),
    });
    expect(calls).toEqual(['disable zero']);
  });

  it('refuses a read-back of another feature or one still on', async () => {
    const inner = new MemoryToggleProvider({ features: [F] });
    const other = lying(inner, { read: (s) => ({ ...s, feature: 'someone_else' }) });
    await expect(confirmingOff(other.provider).disable(F, 'zero')).rejects.toThrow(
      'the read-back is the document of someone_else',
    );
    const stillOn = lying(inner, { read: (s) => ({ ...s, percentageOfTime: 10 }) });
    await expect(confirmingOff(stillOn.provider).disable(F, 'zero')).rejects.toMatchObject({
      code: 'E_TOGGLE_MISMATCH',
      message: expect.stringContaining('read-back shows'),
    });
  });

  it('leaves other calls and fields as they were', async () => {
    const inner = new MemoryToggleProvider({ features: [F] });
    const { provider, calls } = lying(inner, {});
    const wrapped = confirmingOff(provider);
    expect(wrapped.name).toBe('lying');
    expect((await wrapped.setPercent(F, 5, 'percentage_of_actors')).percentageOfActors).toBe(5);
    expect(calls).toEqual(['set 5']);
  });
});
