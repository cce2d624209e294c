import { describe, expect, it } from 'vitest';
import {
  absentToggleState,
  assertValidPercent,
  formatPercent,
  toggleState,
  withDisabled,
  withEnabled,
  withPercent,
} from '../../../src/providers/toggles/toggle-state.js';

describe('formatPercent', () => {
  it.each([
    [25, '25'],
    [2, '2'],
    [2.5, '2.5'],
    [0.125, '0.125'],
    [0.001, '0.001'],
    [0.1 + 0.2, '0.3'],
    [33.333, '33.333'],
    [99.999, '99.999'],
    [100, '100'],
    [0, '0'],
  ])('%s → "%s"', (percent, text) => {
    expect(formatPercent(percent)).toBe(text);
  });
});

describe('assertValidPercent', () => {
  it.each([0, 0.001, 2.5, 33.333, 0.1 + 0.2, 100])('accepts %s', (percent) => {
    expect(() => assertValidPercent('f', percent)).not.toThrow();
  });

  it.each([-0.001, 100.001, 0.0001, 12.3456, Number.NaN, Number.NEGATIVE_INFINITY])(
    'rejects %s',
    (percent) => {
      expect(() => assertValidPercent('f', percent)).toThrow(
        expect.objectContaining({ code: 'E_TOGGLE_REJECTED' }),
      );
    },
  );
});

describe('state transitions (Flipper semantics)', () => {
  const base = {
    ...absentToggleState('f'),
    exists: true,
    enabled: false,
    percentageOfActors: 10,
    percentageOfTime: 5,
    actors: ['User;1'],
    groups: ['staff'],
  };

  it.each([
    ['set actors', withPercent(base, 25, 'percentage_of_actors'), { ...base, percentageOfActors: 25 }],
    ['set time', withPercent(base, 0.1 + 0.2, 'percentage_of_time'), { ...base, percentageOfTime: 0.3 }],
    [
      'set on an absent feature creates it',
      withPercent(absentToggleState('f'), 2, 'percentage_of_actors'),
      { ...absentToggleState('f'), exists: true, percentageOfActors: 2 },
    ],
    ['zero', withDisabled(base, 'zero'), { ...base, percentageOfActors: 0, percentageOfTime: 0 }],
    [
      'zero keeps the boolean gate',
      withDisabled({ ...base, enabled: true }, 'zero'),
      { ...base, enabled: true, percentageOfActors: 0, percentageOfTime: 0 },
    ],
    [
      'disable clears every gate',
      withDisabled({ ...base, enabled: true }, 'disable'),
      { ...absentToggleState('f'), exists: true },
    ],
    [
      'enable clears the other gates',
      withEnabled(base),
      { ...absentToggleState('f'), exists: true, enabled: true },
    ],
  ])('%s', (_label, actual, expected) => {
    // the exposure summary is derived from the gates: compare it derived from the expected gates
    expect(actual).toEqual(toggleState(expected));
  });
});
