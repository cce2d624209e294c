import { describe, expect, it } from 'vitest';
import {
  confirmOff,
  confirmToggleWrite,
  describeOff,
  featureMissing,
  type ToggleWrite,
} from '../../src/ports/toggle-checks.js';
import type { ToggleState } from '../../src/ports/toggle-provider.js';
import { absentToggleState, toggleState, type GateFields } from '../../src/providers/toggles/toggle-state.js';

function state(partial: Partial<GateFields> = {}): ToggleState {
  return toggleState({
    feature: 'ebg',
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

describe('featureMissing', () => {
  const ref = { provider: 'flipper', feature: 'ebg' };
  it('names the feature and the provider when it does not exist', () => {
    expect(featureMissing(absentToggleState('ebg'), ref)).toBe('feature ebg does not exist in flipper');
  });
  it('is null when it exists, or when toggle.create opts in', () => {
    expect(featureMissing(state(), ref)).toBeNull();
    expect(featureMissing(absentToggleState('ebg'), { ...ref, create: true })).toBeNull();
  });
});

describe('confirmToggleWrite', () => {
  const set25: ToggleWrite = { feature: 'ebg', action: 'set', gate: 'percentage_of_actors', percent: 25 };
  it.each([
    ['set as asked', set25, { percentageOfActors: 25 }, null],
    [
      "another feature's document",
      set25,
      { feature: 'other', percentageOfActors: 25 },
      'the answer is the document of feature other, not ebg',
    ],
    [
      'the old value',
      set25,
      { percentageOfActors: 100 },
      'percentage_of_actors reads 100% after setting 25%',
    ],
    ['zero done', { feature: 'ebg', action: 'zero' }, { actors: ['User;1'] }, null],
    [
      'zero not done',
      { feature: 'ebg', action: 'zero' },
      { percentageOfTime: 100 },
      'percentage gates read 0% of actors, 100% of time after setting both to 0%',
    ],
    ['disable done', { feature: 'ebg', action: 'disable' }, {}, null],
    [
      'disable not done',
      { feature: 'ebg', action: 'disable' },
      { enabled: true },
      'gates still open after turning the boolean gate off',
    ],
    ['enable done', { feature: 'ebg', action: 'enable' }, { enabled: true }, null],
    [
      'enable not done',
      { feature: 'ebg', action: 'enable' },
      {},
      'boolean gate reads off after turning it on',
    ],
    ['feature gone', set25, { exists: false }, 'feature ebg does not exist after the write'],
  ] as const)('%s', (_label, asked, partial, reason) => {
    const check = confirmToggleWrite(asked, state(partial));
    expect(check).toEqual(reason === null ? { ok: true } : { ok: false, reason });
  });
});

describe('confirmOff: a rollback is done when a read-back says so', () => {
  it('zero: percentages at 0 is confirmed; allow-lists kept and counted', () => {
    const off = confirmOff(state({ actors: ['User;1', 'User;2'], groups: ['uat'] }), 'zero');
    expect(off).toEqual({
      confirmed: true,
      reason: null,
      stillExposing: [],
      allowLists: { actors: 2, groups: 1 },
    });
    expect(describeOff(off)).toBe('toggle off; kept allow-lists: 2 actors, 1 group');
  });
  it('zero: reports the boolean gate and the expression still exposing users', () => {
    const off = confirmOff(state({ enabled: true, expression: '{"Boolean":[true]}' }), 'zero');
    expect(off).toMatchObject({ confirmed: true, stillExposing: ['boolean', 'expression'] });
    expect(describeOff(off)).toBe('toggle off; still exposing: boolean, expression');
  });
  it('not confirmed while a percentage still reads above 0 (a write that lied)', () => {
    const off = confirmOff(state({ percentageOfActors: 100 }), 'zero');
    expect(off).toMatchObject({ confirmed: false, reason: 'read-back shows 100% of actors, 0% of time' });
    expect(describeOff(off)).toBe(
      'toggle not confirmed off: read-back shows 100% of actors, 0% of time; still exposing: percentage_of_actors',
    );
  });
  it('disable: not confirmed while the boolean gate is on', () => {
    expect(confirmOff(state({ enabled: true }), 'disable')).toMatchObject({
      confirmed: false,
      reason: 'read-back shows the boolean gate on',
    });
  });
  it('a feature that does not exist is off', () => {
    expect(confirmOff(absentToggleState('ebg'), 'disable').confirmed).toBe(true);
  });
});
