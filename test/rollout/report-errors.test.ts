import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/rollout/errors.js';
import { checkRolloutText, parseRolloutText } from '../../src/rollout/loader.js';

/* `report.errors`: the optional "types of errors logged" query of a rollout file. */

const MINIMAL = `name: tiny
toggle: { provider: local, feature: tiny_feature }
check: { every: 1m }
stages:
  - { name: all, percent: 100 }
`;

function problemsOf(text: string, opts: Parameters<typeof checkRolloutText>[2] = {}): string[] {
  return checkRolloutText(text, 'r.yaml', opts).problems.map(formatProblem);
}

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
    const problems = problemsOf(`${MINIMAL}${yaml}`);
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
    const problems = problemsOf(
      `${MINIMAL}report:\n  errors: { provider: datadgo, logs: { search: a }, groupBy: "@m" }\n`,
      { config },
    );
    expect(problems).toEqual([
      expect.stringMatching(/^r\.yaml:7:\d+: .*unknown metrics provider "datadgo".*datadog/),
    ]);
  });
});
