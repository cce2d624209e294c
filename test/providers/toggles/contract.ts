import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import {
  effectivePercent,
  type Gate,
  type ToggleProvider,
  type ToggleState,
} from '../../../src/ports/toggle-provider.js';
import { toggleState, type GateFields } from '../../../src/providers/toggles/toggle-state.js';

/*
 * The behaviour every ToggleProvider owes the runner (DESIGN.md §4, §5, §7),
 * run against each implementation: absolute idempotent writes, reads that
 * never create, both rollback modes, and reads that show a human's change.
 */

export interface ManualToggleChange {
  readonly enabled?: boolean;
  readonly percentageOfActors?: number;
  readonly percentageOfTime?: number;
  readonly actors?: readonly string[];
  readonly groups?: readonly string[];
}

export interface ContractHarness {
  readonly provider: ToggleProvider;
  /** changes the toggle behind the provider's back, as a person would */
  setManually(feature: string, change: ManualToggleChange): Promise<void>;
  close?(): Promise<void>;
}

const FEATURE = 'event_bus_gateway_emails_enabled';

function state(partial: Partial<GateFields>): ToggleState {
  return toggleState({
    feature: FEATURE,
    exists: true,
    enabled: false,
    percentageOfActors: 0,
    percentageOfTime: 0,
    expression: null,
    actors: [],
    groups: [],
    ...partial,
  });
}

async function rejection(promise: Promise<unknown>): Promise<StagegateError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(StagegateError);
    return err as StagegateError;
  }
  throw new Error('expected a rejection');
}

export function toggleProviderContract(label: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`${label} honours the ToggleProvider contract`, () => {
    let h: ContractHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.close?.();
    });

    it('reads an unknown feature as absent, and the read does not create it', async () => {
      const absent = state({ exists: false });
      expect(await h.provider.read(FEATURE)).toEqual(absent);
      expect(await h.provider.read(FEATURE)).toEqual(absent);
    });

    it.each<[number, Gate, Partial<ToggleState>]>([
      [2, 'percentage_of_actors', { percentageOfActors: 2 }],
      [25, 'percentage_of_actors', { percentageOfActors: 25 }],
      [2.5, 'percentage_of_actors', { percentageOfActors: 2.5 }],
      [0.125, 'percentage_of_actors', { percentageOfActors: 0.125 }],
      [100, 'percentage_of_actors', { percentageOfActors: 100 }],
      [0, 'percentage_of_actors', { percentageOfActors: 0 }],
      [33.333, 'percentage_of_time', { percentageOfTime: 33.333 }],
      [0.1 + 0.2, 'percentage_of_time', { percentageOfTime: 0.3 }],
    ])('sets %s%% on %s and reads it back exactly', async (percent, gate, expected) => {
      const written = await h.provider.setPercent(FEATURE, percent, gate);
      expect(written).toEqual(state(expected));
      expect(await h.provider.read(FEATURE)).toEqual(state(expected));
    });

    it('writes absolute values: repeating a write changes nothing, a lower value replaces a higher one', async () => {
      const first = await h.provider.setPercent(FEATURE, 25, 'percentage_of_actors');
      const again = await h.provider.setPercent(FEATURE, 25, 'percentage_of_actors');
      expect(again).toEqual(first);
      await h.provider.setPercent(FEATURE, 50, 'percentage_of_actors');
      expect(await h.provider.setPercent(FEATURE, 25, 'percentage_of_actors')).toEqual(
        state({ percentageOfActors: 25 }),
      );
      expect(await h.provider.read(FEATURE)).toEqual(state({ percentageOfActors: 25 }));
    });

    it('keeps the two percentage gates apart', async () => {
      await h.provider.setPercent(FEATURE, 25, 'percentage_of_actors');
      await h.provider.setPercent(FEATURE, 10, 'percentage_of_time');
      const read = await h.provider.read(FEATURE);
      expect(read).toEqual(state({ percentageOfActors: 25, percentageOfTime: 10 }));
      expect(effectivePercent(read, 'percentage_of_actors')).toBe(25);
      expect(effectivePercent(read, 'percentage_of_time')).toBe(10);
    });

    it('zero rollback sets both percentages to 0 and keeps the allow-lists, idempotently', async () => {
      await h.setManually(FEATURE, { actors: ['User;1', 'User;2'], groups: ['staff'] });
      await h.provider.setPercent(FEATURE, 25, 'percentage_of_actors');
      await h.provider.setPercent(FEATURE, 5, 'percentage_of_time');
      const expected = state({ actors: ['User;1', 'User;2'], groups: ['staff'] });
      expect(await h.provider.disable(FEATURE, 'zero')).toEqual(expected);
      expect(await h.provider.disable(FEATURE, 'zero')).toEqual(expected);
      expect(await h.provider.read(FEATURE)).toEqual(expected);
    });

    it('zero rollback leaves a boolean gate a person turned on, and says so in the state', async () => {
      await h.provider.setPercent(FEATURE, 25, 'percentage_of_actors');
      await h.setManually(FEATURE, { enabled: true });
      const after = await h.provider.disable(FEATURE, 'zero');
      expect(after.enabled).toBe(true);
      expect(after.percentageOfActors).toBe(0);
      expect(effectivePercent(after, 'percentage_of_actors')).toBe(100);
    });

    it('disable rollback turns the boolean gate off and clears every gate, allow-lists included', async () => {
      await h.setManually(FEATURE, { actors: ['User;1'], groups: ['staff'] });
      await h.provider.setPercent(FEATURE, 50, 'percentage_of_actors');
      expect(await h.provider.disable(FEATURE, 'disable')).toEqual(state({}));
      expect(await h.provider.disable(FEATURE, 'disable')).toEqual(state({}));
      expect(await h.provider.read(FEATURE)).toEqual(state({}));
    });

    it('enable turns the boolean gate on for everyone and clears the other gates', async () => {
      await h.provider.setPercent(FEATURE, 75, 'percentage_of_actors');
      const enabled = await h.provider.enable(FEATURE);
      expect(enabled).toEqual(state({ enabled: true }));
      expect(effectivePercent(enabled, 'percentage_of_actors')).toBe(100);
      expect(effectivePercent(enabled, 'percentage_of_time')).toBe(100);
      expect(await h.provider.enable(FEATURE)).toEqual(state({ enabled: true }));
      expect(await h.provider.read(FEATURE)).toEqual(state({ enabled: true }));
    });

    it.each([-1, 100.5, 2.0001, Number.NaN, Number.POSITIVE_INFINITY])(
      'rejects percent %s with E_TOGGLE_REJECTED before writing anything',
      async (percent) => {
        const err = await rejection(h.provider.setPercent(FEATURE, percent, 'percentage_of_actors'));
        expect(err.code).toBe('E_TOGGLE_REJECTED');
        expect(await h.provider.read(FEATURE)).toEqual(state({ exists: false }));
      },
    );

    it('shows a change made by hand in the next read (drift)', async () => {
      await h.provider.setPercent(FEATURE, 25, 'percentage_of_actors');
      await h.setManually(FEATURE, { percentageOfActors: 60 });
      const read = await h.provider.read(FEATURE);
      expect(read).toEqual(state({ percentageOfActors: 60 }));
      expect(effectivePercent(read, 'percentage_of_actors')).not.toBe(25);
    });

    it('keeps features apart', async () => {
      await h.provider.setPercent(FEATURE, 25, 'percentage_of_actors');
      await h.provider.setPercent('other_feature', 75, 'percentage_of_actors');
      await h.provider.disable('other_feature', 'disable');
      expect(await h.provider.read(FEATURE)).toEqual(state({ percentageOfActors: 25 }));
    });
  });
}
