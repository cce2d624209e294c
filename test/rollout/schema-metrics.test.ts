import { describe, expect, it } from 'vitest';
import { parseRolloutText } from '../../src/rollout/loader.js';
import {
  AGGREGATORS,
  datadogSourceSchema,
  metricSchema,
  reportSchema,
} from '../../src/rollout/schema-metrics.js';
import { MINIMAL, problemsIn } from './rollout-text.js';

/*
 * A rollout file's metrics and its report's errors query: the schemas
 * directly, and `report.errors` (the optional "types of errors logged" query)
 * as the loader places its problems and normalizes it.
 */

describe('report.errors', () => {
  it('normalizes a logs query, with top defaulting to 5', () => {
    const r = parseRolloutText(
      `${MINIMAL}report:\n  errors: { logs: { search: "service:vets-api status:error" }, groupBy: "@error.message" }\n`,
      'r.yaml',
    );
    expect(r.report).toEqual({
      errors: {
        provider: undefined,
        source: 'logs',
        search: 'service:vets-api status:error',
        groupBy: '@error.message',
        top: 5,
      },
    });
  });

  it('normalizes a RUM query with its provider and top', () => {
    const r = parseRolloutText(
      `${MINIMAL}report:\n  errors: { provider: dd, rum: { search: "@type:error" }, groupBy: "@error.message", top: 10 }\n`,
      'r.yaml',
    );
    expect(r.report?.errors).toEqual({
      provider: 'dd',
      source: 'rum',
      search: '@type:error',
      groupBy: '@error.message',
      top: 10,
    });
  });

  it('leaves rollouts without it, and their spec hash, as they were', () => {
    const r = parseRolloutText(MINIMAL, 'r.yaml');
    expect(r).not.toHaveProperty('report');
    expect(parseRolloutText(`${MINIMAL}report: {}\n`, 'r.yaml').report).toEqual({ errors: undefined });
  });

  const invalid: { name: string; yaml: string; problem: string }[] = [
    {
      name: 'both sources',
      yaml: 'report:\n  errors: { logs: { search: a }, rum: { search: b }, groupBy: "@error.message" }\n',
      problem: 'must have exactly one of logs or rum',
    },
    {
      name: 'no source',
      yaml: 'report:\n  errors: { groupBy: "@error.message" }\n',
      problem: 'must have exactly one of logs or rum',
    },
    {
      name: 'a typo in a key',
      yaml: 'report:\n  errors: { logs: { search: a }, grupBy: "@error.message" }\n',
      problem: 'grupBy',
    },
    {
      name: 'a facet that is not one',
      yaml: 'report:\n  errors: { logs: { search: a }, groupBy: "error message" }\n',
      problem: 'must be a facet name, e.g. @error.message',
    },
    {
      name: 'top out of range',
      yaml: 'report:\n  errors: { logs: { search: a }, groupBy: "@m", top: 0 }\n',
      problem: 'report.errors.top',
    },
  ];
  it.each(invalid)('refuses $name with a positioned problem', ({ yaml, problem }) => {
    const problems = problemsIn(`${MINIMAL}${yaml}`);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(problem);
    expect(problems[0]).toMatch(/^r\.yaml:7:\d+: /);
  });

  it('checks the provider name against the config', () => {
    const config = {
      metrics: {
        datadog: { type: 'datadog' as const, site: 'datadoghq.com' as const, timeoutMs: 1, maxRetries: 0 },
      },
      toggles: { local: { type: 'file' as const, path: 't.json' } },
      notifiers: {},
    };
    const problems = problemsIn(
      `${MINIMAL}report:\n  errors: { provider: datadgo, logs: { search: a }, groupBy: "@m" }\n`,
      { config },
    );
    expect(problems).toEqual([
      expect.stringMatching(/^r\.yaml:7:\d+: .*unknown metrics provider "datadgo".*datadog/),
    ]);
  });
});

function messages(
  schema: {
    safeParse: (v: unknown) => {
      success: boolean;
      error?: { issues: { path: PropertyKey[]; message: string }[] };
    };
  },
  value: unknown,
): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('datadogSourceSchema', () => {
  it.each([
    [{ query: 'sum:x{*}.as_count()' }, { query: 'sum:x{*}.as_count()', aggregator: 'sum' }],
    [
      { query: 'p99:lat{*}', aggregator: 'percentile' },
      { query: 'p99:lat{*}', aggregator: 'percentile' },
    ],
    [
      { numerator: 'a', denominator: 'b' },
      { numerator: 'a', denominator: 'b' },
    ],
    [{ logs: { search: 'status:error' } }, { logs: { search: 'status:error', aggregation: 'count' } }],
    [
      { rum: { search: '@type:view', aggregation: 'cardinality', facet: '@usr.id' } },
      { rum: { search: '@type:view', aggregation: 'cardinality', facet: '@usr.id' } },
    ],
  ])('reads %j as %j', (input, output) => {
    expect(datadogSourceSchema.parse(input)).toEqual(output);
  });

  it('knows every Datadog scalar aggregator', () => {
    expect(AGGREGATORS).toEqual(['sum', 'avg', 'min', 'max', 'last', 'percentile', 'mean', 'l2norm', 'area']);
    for (const aggregator of AGGREGATORS) {
      expect(datadogSourceSchema.safeParse({ query: 'q', aggregator }).success).toBe(true);
    }
  });

  it.each([
    [{}],
    [{ numerator: 'a' }],
    [{ query: 'q', numerator: 'a', denominator: 'b' }],
    [{ query: 'q', aggregator: 'median' }],
  ])('refuses %j as none of the four sources', (input) => {
    expect(messages(datadogSourceSchema, input)).toEqual([
      ': must have query (+ aggregator), numerator + denominator, logs or rum',
    ]);
  });
});

describe('datadogSourceSchema: a source of one recognizable kind', () => {
  it.each([
    [{ query: '' }, 'query: Too small: expected string to have >=1 characters'],
    [{ logs: { search: 'x', facet: 'not a facet' } }, 'logs.facet: must be a facet name, e.g. @usr.id'],
  ])("%j reports that kind's own problem: %s", (input, expected) => {
    expect(messages(datadogSourceSchema, input)).toEqual([expected]);
  });
});

describe('metricSchema', () => {
  const source = { query: 'sum:x{*}' };
  it('defaults the window to stage and leaves provider and noData unset', () => {
    expect(metricSchema.parse({ datadog: source })).toEqual({
      datadog: { ...source, aggregator: 'sum' },
      window: 'stage',
    });
  });

  it.each([
    ['15m', []],
    ['90d', []],
    ['stage', []],
    ['0s', ['window: a window of 0 holds no data: use e.g. 15m, or stage']],
    ['91d', ['window: a window must be at most 90d (got 91d)']],
    ['quarter', ['window: must be a duration like 15m or 1h, or stage']],
  ])('window %j → %j', (window, expected) => {
    expect(messages(metricSchema, { datadog: source, window })).toEqual(expected);
  });

  it.each([
    [{ datadog: source, noData: 'zero' }, []],
    [{ datadog: source, noData: 'hold' }, ['noData: Invalid input: expected "zero"']],
    [{ datadog: source, provider: '' }, ['provider: Too small: expected string to have >=1 characters']],
    [{ datadog: source, windw: '1h' }, [': Unrecognized key: "windw"']],
  ])('%j → %j', (input, expected) => {
    expect(messages(metricSchema, input)).toEqual(expected);
  });
});

describe('reportSchema', () => {
  it('defaults top to 5 and refuses more than 100', () => {
    expect(reportSchema.parse({ errors: { logs: { search: 'a' }, groupBy: '@m' } })).toEqual({
      errors: { logs: { search: 'a' }, groupBy: '@m', top: 5 },
    });
    expect(messages(reportSchema, { errors: { logs: { search: 'a' }, groupBy: '@m', top: 101 } })).toEqual([
      'errors.top: Too big: expected number to be <=100',
    ]);
    expect(messages(reportSchema, { errors: { logs: { search: '' }, groupBy: '@m' } })).toEqual([
      'errors.logs.search: Too small: expected string to have >=1 characters',
    ]);
  });
});
