import { describe, expect, it } from 'vitest';
import { effectivePercent, type Gate } from '../../src/ports/toggle-provider.js';
import { toggleState } from '../../src/providers/toggles/toggle-state.js';

const state = (enabled: boolean, actors: number, time: number) =>
  toggleState({
    feature: 'ebg',
    exists: true,
    enabled,
    percentageOfActors: actors,
    percentageOfTime: time,
    expression: null,
    actors: [],
    groups: [],
  });

describe('effectivePercent', () => {
  it.each<[string, boolean, number, number, Gate, number]>([
    ['the actors gate', false, 25, 5, 'percentage_of_actors', 25],
    ['the time gate', false, 25, 5, 'percentage_of_time', 5],
    ['the boolean gate on: everyone, whatever the percentages', true, 0, 0, 'percentage_of_actors', 100],
    ['the boolean gate on, time gate asked', true, 10, 0, 'percentage_of_time', 100],
    ['nothing set', false, 0, 0, 'percentage_of_actors', 0],
  ])('%s', (_what, enabled, actors, time, gate, expected) => {
    expect(effectivePercent(state(enabled, actors, time), gate)).toBe(expected);
  });
});
