import { describe, expect, it } from 'vitest';
import { parseWebhookState, toToggleState } from '../../../src/providers/toggles/webhook-payload.js';

describe('parseWebhookState', () => {
  it.each([
    ['the minimal echo', '{"percent":25,"enabled":false}', { percent: 25, enabled: false }],
    [
      'a per-gate answer',
      '{"feature":"ebg","enabled":false,"percentageOfActors":10,"percentageOfTime":0,"actors":["u1"]}',
      { feature: 'ebg', percentageOfActors: 10, percentageOfTime: 0, actors: ['u1'] },
    ],
    ['an unknown toggle without percent', '{"exists":false,"enabled":false}', { exists: false }],
  ])('reads %s', (_what, body, expected) => {
    expect(parseWebhookState(body)).toMatchObject(expected);
  });

  it.each([
    ['not JSON', 'ok'],
    ['no percent at all', '{"enabled":true}'],
    ['a percent over 100', '{"percent":120,"enabled":false}'],
    ['enabled missing', '{"percent":5}'],
    ['an allow-list of numbers', '{"percent":5,"enabled":false,"actors":[1]}'],
  ])('answers undefined for %s', (_what, body) => {
    expect(parseWebhookState(body)).toBeUndefined();
  });
});

describe('toToggleState', () => {
  it('reads a single percent as the gate stagegate writes, the other gate at 0', () => {
    expect(toToggleState('ebg', { percent: 25, enabled: false })).toMatchObject({
      feature: 'ebg',
      exists: true,
      percentageOfActors: 25,
      percentageOfTime: 0,
    });
    expect(toToggleState('ebg', { percent: 25, enabled: false }, 'percentage_of_time')).toMatchObject({
      percentageOfActors: 0,
      percentageOfTime: 25,
    });
  });

  it('prefers per-gate values, sorts allow-lists and keeps the feature the receiver named', () => {
    const state = toToggleState('ebg', {
      feature: 'other',
      enabled: true,
      percent: 50,
      percentageOfTime: 5,
      actors: ['u2', 'u1'],
      groups: ['b', 'a'],
    });
    expect(state).toMatchObject({
      feature: 'other',
      enabled: true,
      percentageOfActors: 50,
      percentageOfTime: 5,
      expression: null,
      actors: ['u1', 'u2'],
      groups: ['a', 'b'],
    });
  });

  it('an answer with exists: false is an absent toggle', () => {
    expect(toToggleState('ebg', { exists: false, enabled: false }).exists).toBe(false);
  });
});
