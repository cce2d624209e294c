import { describe, expect, it } from 'vitest';
import {
  applyManualChange,
  emptyValues,
  featureDocument,
  flipperPercentage,
} from '../../src/sandbox/flipper-model.js';

/* The sandbox's feature store, against flipper-api's decorators and Flipper::Feature#state. */

describe('featureDocument', () => {
  it('lists every gate in gates_hash order, set gates as arrays', () => {
    const doc = featureDocument('ebg', emptyValues());
    expect(doc).toEqual({
      key: 'ebg',
      state: 'off',
      gates: [
        { key: 'boolean', name: 'boolean', value: null },
        { key: 'expression', name: 'expression', value: null },
        { key: 'actors', name: 'actor', value: [] },
        { key: 'percentage_of_actors', name: 'percentage_of_actors', value: null },
        { key: 'percentage_of_time', name: 'percentage_of_time', value: null },
        { key: 'groups', name: 'group', value: [] },
      ],
    });
  });

  it.each([
    ['nothing set', {}, 'off'],
    ['the boolean gate', { enabled: true }, 'on'],
    ['100% of time', { percentageOfTime: 100 }, 'on'],
    ['100% of actors is still conditional', { percentageOfActors: 100 }, 'conditional'],
    ['an actor', { actors: ['User;1'] }, 'conditional'],
    ['a group', { groups: ['staff'] }, 'conditional'],
    ['an expression', { expression: { Equal: [{ Property: ['plan'] }, 'basic'] } }, 'conditional'],
    ['percentages at 0', { percentageOfActors: 0, percentageOfTime: 0 }, 'off'],
  ] as const)('state with %s is %s', (_what, change, state) => {
    const v = emptyValues();
    applyManualChange(v, change);
    expect(featureDocument('ebg', v).state).toBe(state);
  });
});

describe('applyManualChange', () => {
  it('stores what an adapter stores: strings, Ruby floats, sets; untouched gates stay', () => {
    const v = emptyValues();
    applyManualChange(v, { percentageOfActors: 25, percentageOfTime: 2.5, actors: ['User;1', 'User;1'] });
    applyManualChange(v, { groups: ['staff'] });
    expect(v.percentage_of_actors).toBe('25');
    expect(v.percentage_of_time).toBe('2.5');
    expect([...v.actors]).toEqual(['User;1']);
    expect([...v.groups]).toEqual(['staff']);
    applyManualChange(v, { enabled: true });
    expect(v.boolean).toBe('true');
    applyManualChange(v, { enabled: false, expression: null });
    expect(v.boolean).toBeNull();
    expect(v.percentage_of_actors).toBe('25');
  });
});

describe('flipperPercentage', () => {
  it.each([
    ['25', '25'],
    ['2.5', '2.5'],
    ['25.0', '25.0'],
    ['100', '100'],
    ['0', '0'],
    ['12abc', '12'],
  ])('%j is stored as %j', (param, stored) => {
    expect(flipperPercentage(param)).toBe(stored);
  });

  it.each([[undefined], [''], ['abc'], ['101'], ['-1'], ['100.5']])('%j is a 422', (param) => {
    expect(flipperPercentage(param)).toBeUndefined();
  });
});
