import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';
import { issueText } from '../../src/rollout/issue.js';
import { rolloutFileSchema } from '../../src/rollout/schema.js';
import { fromZodIssues, isRecord, knownKeys, valueAt } from '../../src/rollout/zod-issues.js';

const MINIMAL = {
  name: 'tiny',
  toggle: { provider: 'local', feature: 'f' },
  check: { every: '1m' },
  stages: [{ name: 'all', percent: 100 }],
};

function texts(schema: z.ZodType, input: unknown, echoValues = true): string[] {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return fromZodIssues(result.error.issues, input, schema, { echoValues }).map(issueText);
}

const rollout = (over: Record<string, unknown>): string[] =>
  texts(rolloutFileSchema, { ...MINIMAL, ...over });

describe('fromZodIssues on a rollout file', () => {
  it.each([
    [
      { toggle: { provider: 'local', feature: 'f', gte: 'x' } },
      ['toggle.gte: unknown key (did you mean "gate"?)'],
    ],
    [{ toggle: { provider: 'local' } }, ['toggle: missing required key "feature"']],
    [{ stages: 'all' }, ['stages: must be a list, got a string']],
    [{ stages: [{ name: 'all', percent: '100' }] }, ['stages[0].percent: must be a number, got a string']],
    [
      { stages: [{ name: 'all', percent: 100, minSamples: 1.5 }] },
      ['stages[0].minSamples: must be a whole number, got a number'],
    ],
    [
      { stages: [{ name: 'all', percent: 100, approval: null }] },
      ['stages[0].approval: must be one of required, none, got an empty value'],
    ],
    [
      { toggle: { provider: 'local', feature: 'f', gate: 'percentage_of_actor' } },
      [
        'toggle.gate: must be one of percentage_of_actors, percentage_of_time, got "percentage_of_actor" (did you mean "percentage_of_actors"?)',
      ],
    ],
    [{ stages: [] }, ['stages: must have at least 1 item']],
    [{ stages: [{ name: 'all', percent: 0 }] }, ['stages[0].percent: must be > 0']],
    [{ stages: [{ name: 'all', percent: 100.5 }] }, ['stages[0].percent: must be <= 100']],
    [{ toggle: { provider: '', feature: 'f' } }, ['toggle.provider: must not be empty']],
    [
      { toggle: { provider: 'local', feature: 'x'.repeat(201) } },
      ['toggle.feature: must be at most 200 characters'],
    ],
    [
      { metrics: { 'Bad-Name': { datadog: { query: 'q' } } } },
      ['metrics.Bad-Name: must be lowercase letters, digits and _ (max 64)'],
    ],
    // a union: the branch the author meant, the one that knows most of its keys
    [
      { metrics: { r: { datadog: { numerator: 'a' } } } },
      ['metrics.r.datadog: missing required key "denominator"'],
    ],
    [
      { metrics: { r: { datadog: 'sum:x' } } },
      ['metrics.r.datadog: must have query (+ aggregator), numerator + denominator, logs or rum'],
    ],
  ])('%j → %j', (over, expected) => {
    expect(rollout(over)).toEqual(expected);
  });

  it('keeps the column of a criterion syntax error', () => {
    const result = rolloutFileSchema.safeParse({ ...MINIMAL, criteria: { advance: ['error_rate >> 5%'] } });
    const issues = result.success
      ? []
      : fromZodIssues(result.error.issues, MINIMAL, rolloutFileSchema, { echoValues: true });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: ['criteria', 'advance', 0], at: 'value' });
    expect(typeof issues[0]?.column).toBe('number');
  });

  it('prefixes every path with `base`, and reads values from the whole document', () => {
    // as for a union branch's issues, whose paths start at the union: values are looked up from the root
    const schema = z.strictObject({ a: z.number() });
    const doc = { outer: [null, null, { a: 'x' }] };
    const issues = fromZodIssues(
      schema.safeParse(doc.outer[2]).error?.issues ?? [],
      doc,
      schema,
      { echoValues: true },
      ['outer', 2],
    );
    expect(issues).toEqual([
      { path: ['outer', 2, 'a'], at: 'value', message: 'must be a number, got a string' },
    ]);
  });
});

describe('fromZodIssues on the config (values may be secrets)', () => {
  it('never quotes a value when echoValues is off', () => {
    expect(texts(configSchema, { log: { level: 'sk_live_secret_value' } }, false)).toEqual([
      'log.level: must be one of trace, debug, info, warn, error, fatal',
    ]);
  });

  it('names a missing or unknown discriminator', () => {
    expect(texts(configSchema, { toggles: { f: { baseUrl: 'http://x' } } }, false)).toEqual([
      'toggles.f: missing required key "type"',
    ]);
    expect(texts(configSchema, { toggles: { f: { type: 'flipperr' } } }, false)).toEqual([
      'toggles.f.type: must be one of flipper, webhook, file (did you mean "flipper"?)',
    ]);
  });
});

describe('valueAt, isRecord, knownKeys', () => {
  const data = { a: { b: [10, { c: 'x' }] } };
  it.each([
    [[], data],
    [['a', 'b', 0], 10],
    [['a', 'b', 1, 'c'], 'x'],
    [['a', 'b', 'length'], undefined],
    [['a', 0], undefined],
    [['missing', 'deeper'], undefined],
  ] as const)('valueAt(%j) is %j', (path, expected) => {
    expect(valueAt(data, path)).toEqual(expected);
  });

  it.each([
    [{}, true],
    [[], false],
    [null, false],
    ['x', false],
  ])('isRecord(%j) is %s', (value, expected) => {
    expect(isRecord(value)).toBe(expected);
  });

  it('lists the keys a strict object accepts, through defaults, records and every union branch', () => {
    expect(knownKeys(rolloutFileSchema, ['toggle']).sort()).toEqual([
      'create',
      'feature',
      'gate',
      'onComplete',
      'onRollback',
      'provider',
    ]);
    expect(knownKeys(rolloutFileSchema, ['metrics', 'anything', 'datadog']).sort()).toEqual([
      'aggregator',
      'denominator',
      'logs',
      'numerator',
      'query',
      'rum',
    ]);
    expect(knownKeys(rolloutFileSchema, ['stages', 0])).toContain('minSamples');
    expect(knownKeys(rolloutFileSchema, ['nope'])).toEqual([]);
  });
});
