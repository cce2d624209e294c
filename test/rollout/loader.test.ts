import { mkdtemp, rm, writeFile, readFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem, SpecError } from '../../src/rollout/errors.js';
import {
  checkRolloutPaths,
  loadRolloutFile,
  loadRolloutsDir,
  parseRolloutText,
} from '../../src/rollout/loader.js';
import { MINIMAL, problemsIn } from './rollout-text.js';

describe('problems', () => {
  it('reports every problem of a file at once, in line order', () => {
    const text = `name: Bad
toggle: { provider: local, feature: f, gate: sometimes }
check: { every: 1m, timezone: Mars/Olympus }
stages:
  - { name: a, percent: 50 }
  - { name: b, percent: 40 }
criteria:
  advance: [missing < 1]
`;
    expect(problemsIn(text)).toEqual([
      'r.yaml:1:7: name: must be lowercase letters, digits and dashes (max 63)',
      'r.yaml:2:46: toggle.gate: must be one of percentage_of_actors, percentage_of_time, got "sometimes"',
      'r.yaml:3:31: check.timezone: unknown time zone "Mars/Olympus"',
      'r.yaml:6:25: stages[1].percent: must be greater than 50 (stages[0]): percents strictly increase',
      'r.yaml:8:13: criteria.advance[0]: unknown metric "missing" (no metrics are defined)',
    ]);
  });

  it('throws SpecError with E_SPEC_INVALID and the problems as its message', () => {
    let caught: unknown;
    try {
      parseRolloutText('name: x\n', 'r.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpecError);
    const err = caught as SpecError;
    expect(err.code).toBe('E_SPEC_INVALID');
    expect(err.problems).toEqual([
      { path: 'r.yaml', line: 1, col: 1, message: 'missing required key "check"' },
      { path: 'r.yaml', line: 1, col: 1, message: 'missing required key "stages"' },
      { path: 'r.yaml', line: 1, col: 1, message: 'missing required key "toggle"' },
    ]);
    expect(err.message).toBe(
      'r.yaml:1:1: missing required key "check"\nr.yaml:1:1: missing required key "stages"\nr.yaml:1:1: missing required key "toggle"',
    );
  });

  it('points a criterion error at the character inside a double-quoted scalar', () => {
    expect(problemsIn(MINIMAL + 'criteria:\n  advance: ["x <> 1"]\n')).toEqual([
      'r.yaml:7:16: criteria.advance[0]: "<>" is not an operator: did you mean "!="?',
    ]);
  });

  it('refuses a file over 1 MiB before parsing it', () => {
    const big = MINIMAL + `description: "${'x'.repeat(1024 * 1024)}"\n`;
    expect(problemsIn(big)).toEqual([
      `r.yaml:1:1: file is too large: ${Buffer.byteLength(big)} bytes, the limit is 1 MiB`,
    ]);
  });

  it('accepts a file just under 1 MiB', () => {
    const head = MINIMAL + 'description: ""\n';
    const padded = head.replace('""', `"${'x'.repeat(1024 * 1024 - Buffer.byteLength(head))}"`);
    expect(Buffer.byteLength(padded)).toBe(1024 * 1024);
    expect(problemsIn(padded)).toEqual([]);
  });

  it('rejects an unsupported tag instead of reading it as text', () => {
    expect(problemsIn(MINIMAL.replace('name: tiny', 'name: !!js/function tiny'))).toEqual([
      'r.yaml:1:7: invalid YAML: Unresolved tag: tag:yaml.org,2002:js/function',
    ]);
  });

  it('refuses a list or mapping used as a key', () => {
    expect(problemsIn(MINIMAL + '? [a, b]\n: 1\n')).toEqual([
      'r.yaml:6:3: a key must be a plain value, not a list or mapping',
    ]);
  });

  it('treats __proto__ as an ordinary unknown key', () => {
    expect(problemsIn(MINIMAL + '__proto__: { polluted: true }\n')).toEqual([
      'r.yaml:6:1: __proto__: unknown key',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('checks provider and notifier names against a config when one is given', () => {
    const config = {
      metrics: {
        datadog: { type: 'datadog' as const, site: 'datadoghq.com' as const, timeoutMs: 1, maxRetries: 0 },
      },
      toggles: { flipper: { type: 'file' as const, path: 'x' } },
      notifiers: { 'slack-release': { type: 'slack' as const, webhookEnv: 'X' } },
    };
    const text = `${MINIMAL.replace('provider: local', 'provider: flipr')}metrics:
  a: { provider: dd, datadog: { query: q } }
  b: { datadog: { query: q } }
notify: [slack-releases, pager]
`;
    expect(problemsIn(text, { config })).toEqual([
      'r.yaml:2:21: toggle.provider: unknown toggle provider "flipr" (did you mean "flipper"?)',
      'r.yaml:7:18: metrics.a.provider: unknown metrics provider "dd" (the config defines datadog)',
      'r.yaml:9:10: notify[0]: unknown notifier "slack-releases" (did you mean "slack-release"?)',
      'r.yaml:9:26: notify[1]: unknown notifier "pager" (the config defines slack-release)',
    ]);
    expect(problemsIn(text)).toEqual([]);
  });

  it('asks for a metric provider when the config defines several', () => {
    const config = {
      metrics: {
        us: { type: 'datadog' as const, site: 'datadoghq.com' as const, timeoutMs: 1, maxRetries: 0 },
        gov: { type: 'datadog' as const, site: 'ddog-gov.com' as const, timeoutMs: 1, maxRetries: 0 },
      },
      toggles: { local: { type: 'file' as const, path: 'x' } },
      notifiers: {},
    };
    expect(problemsIn(`${MINIMAL}metrics:\n  a: { datadog: { query: q } }\n`, { config })).toEqual([
      'r.yaml:7:3: metrics.a: needs provider: the config defines several (us, gov)',
    ]);
  });
});

describe('directories', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagegate-spec-'));
    await writeFile(join(dir, 'a.yaml'), MINIMAL);
    await writeFile(join(dir, 'b.yml'), MINIMAL.replace('name: tiny', 'name: other'));
    await writeFile(join(dir, 'c.yaml'), MINIMAL); // same name as a.yaml
    await writeFile(join(dir, 'd.yaml'), 'name: [unclosed\n');
    await writeFile(join(dir, 'notes.txt'), 'not a rollout');
    await mkdir(join(dir, 'nested.yaml'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads every *.yaml / *.yml, keeps going past a broken file, and flags duplicate names', async () => {
    const { rollouts, problems } = await loadRolloutsDir(dir);
    expect(rollouts.map((r) => r.name)).toEqual(['tiny', 'other']);
    expect(problems.map(formatProblem)).toEqual([
      `${join(dir, 'c.yaml')}:1:7: name: duplicate rollout name "tiny" (also in ${join(dir, 'a.yaml')})`,
      `${join(dir, 'd.yaml')}:2:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });

  it('reports a missing path as a problem, not an exception', async () => {
    const result = await checkRolloutPaths([join(dir, 'missing'), join(dir, 'a.yaml')]);
    expect(result.files).toBe(1);
    expect(result.problems.map(formatProblem)).toEqual([
      `${join(dir, 'missing')}: no such file or directory`,
    ]);
  });

  it('reports a directory given as a rollout file as a problem', async () => {
    await expect(loadRolloutFile(join(dir, 'nested.yaml'))).rejects.toThrow(
      `${join(dir, 'nested.yaml')}: is a directory, expected a file`,
    );
  });

  it('reads a file through loadRolloutFile exactly as parseRolloutText does', async () => {
    const path = join(dir, 'a.yaml');
    expect(await loadRolloutFile(path)).toEqual(parseRolloutText(await readFile(path, 'utf8'), path));
  });
});
