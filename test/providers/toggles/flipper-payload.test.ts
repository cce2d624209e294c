import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import { isFeatureNotFound, parseFlipperFeature } from '../../../src/providers/toggles/flipper-payload.js';

/* Documents shaped like flipper-api's FeatureDecorator (every gate listed, values as the adapter stored them). */

type GateValue = string | string[] | Record<string, unknown> | null;

function doc(values: Partial<Record<string, GateValue>> = {}, key = 'ebg_emails'): string {
  const gate = (k: string, name: string) => ({ key: k, name, value: values[k] ?? null });
  return JSON.stringify({
    key,
    state: 'conditional',
    gates: [
      gate('boolean', 'boolean'),
      gate('actors', 'actor'),
      gate('percentage_of_actors', 'percentage_of_actors'),
      gate('percentage_of_time', 'percentage_of_time'),
      gate('groups', 'group'),
      gate('expression', 'expression'),
    ],
  });
}

function refusal(body: string): StagegateError {
  try {
    parseFlipperFeature('ebg_emails', body);
  } catch (err) {
    return err as StagegateError;
  }
  throw new Error('parsed');
}

describe('parseFlipperFeature', () => {
  it('reads every gate: string percentages, sorted allow-lists, the boolean as "true"', () => {
    const state = parseFlipperFeature(
      'ebg_emails',
      doc({
        boolean: null,
        percentage_of_actors: '25',
        percentage_of_time: '2.5',
        actors: ['User;2', 'User;1'],
        groups: ['staff'],
      }),
    );
    expect(state).toMatchObject({
      feature: 'ebg_emails',
      exists: true,
      enabled: false,
      percentageOfActors: 25,
      percentageOfTime: 2.5,
      expression: null,
      actors: ['User;1', 'User;2'],
      groups: ['staff'],
    });
    expect(parseFlipperFeature('ebg_emails', doc({ boolean: 'true' })).enabled).toBe(true);
  });

  it('unset gates are off', () => {
    expect(parseFlipperFeature('ebg_emails', doc())).toMatchObject({
      enabled: false,
      percentageOfActors: 0,
      percentageOfTime: 0,
      actors: [],
      groups: [],
      expression: null,
    });
  });

  it('keeps the expression gate as canonical JSON, so key order does not matter', () => {
    const a = parseFlipperFeature(
      'ebg_emails',
      doc({ expression: { Equal: [{ Property: ['plan'] }, 'basic'], b: 1 } }),
    );
    const b = parseFlipperFeature(
      'ebg_emails',
      doc({ expression: { b: 1, Equal: [{ Property: ['plan'] }, 'basic'] } }),
    );
    expect(a.expression).not.toBeNull();
    expect(a.expression).toBe(b.expression);
    expect(parseFlipperFeature('ebg_emails', doc({ expression: {} })).expression).toBeNull();
  });

  it('answers for the key the document names (the caller compares it)', () => {
    expect(parseFlipperFeature('ebg_emails', doc({}, 'other_feature')).feature).toBe('other_feature');
  });

  it.each([
    ['not JSON', '<html>proxy</html>', /unexpected document/],
    ['no gates list', JSON.stringify({ key: 'ebg_emails' }), /unexpected document/],
    ['an empty gates list', JSON.stringify({ key: 'ebg_emails', gates: [] }), /without gates/],
    ['a non-numeric percentage', doc({ percentage_of_actors: 'lots' }), /non-numeric percentage_of_actors/],
    ['a malformed allow-list', doc({ actors: 'User;1' }), /malformed actors gate/],
  ])('refuses %s with E_PROVIDER_RESPONSE', (_what, body, message) => {
    const err = refusal(body);
    expect(err).toBeInstanceOf(StagegateError);
    expect(err.code).toBe('E_PROVIDER_RESPONSE');
    expect(err.message).toMatch(message);
  });
});

describe('isFeatureNotFound', () => {
  it.each([
    [
      JSON.stringify({
        code: 1,
        message: 'Feature not found.',
        more_info: 'https://flippercloud.io/docs/api#error-code-reference',
      }),
      true,
    ],
    [JSON.stringify({ code: 2, message: 'Group not registered.' }), false],
    ['<html>404 Not Found</html>', false],
    ['', false],
  ])('%s → %s', (body, expected) => {
    expect(isFeatureNotFound(body)).toBe(expected);
  });
});
