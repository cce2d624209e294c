import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/errors.js';
import {
  ConfigError,
  CriterionSyntaxError,
  formatProblem,
  SpecError,
  sortProblems,
  type Problem,
} from '../../src/rollout/errors.js';

const p = (path: string, line: number, col: number, message: string): Problem => ({
  path,
  line,
  col,
  message,
});

describe('formatProblem', () => {
  it.each([
    [p('rollouts/a.yaml', 3, 7, 'bad'), 'rollouts/a.yaml:3:7: bad'],
    [p('rollouts/a.yaml', 0, 0, 'cannot read'), 'rollouts/a.yaml: cannot read'],
  ])('%j → %s', (problem, expected) => {
    expect(formatProblem(problem)).toBe(expected);
  });
});

describe('sortProblems', () => {
  it('orders by file, line, column, then message, without changing its input', () => {
    const input = [
      p('b.yaml', 1, 1, 'x'),
      p('a.yaml', 10, 1, 'x'),
      p('a.yaml', 2, 9, 'z'),
      p('a.yaml', 2, 9, 'y'),
      p('a.yaml', 2, 3, 'x'),
    ];
    const copy = [...input];
    expect(sortProblems(input).map(formatProblem)).toEqual([
      'a.yaml:2:3: x',
      'a.yaml:2:9: y',
      'a.yaml:2:9: z',
      'a.yaml:10:1: x',
      'b.yaml:1:1: x',
    ]);
    expect(input).toEqual(copy);
  });
});

describe('SpecError and ConfigError', () => {
  it.each([
    ['SpecError', (ps: Problem[]) => new SpecError(ps), 'E_SPEC_INVALID'],
    ['ConfigError', (ps: Problem[]) => new ConfigError(ps), 'E_CONFIG_INVALID'],
  ] as const)('%s: every problem sorted, one per line, code %s, exit 1', (name, make, code) => {
    const err = make([p('a.yaml', 5, 1, 'second'), p('a.yaml', 1, 2, 'first')]);
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(err.message).toBe('a.yaml:1:2: first\na.yaml:5:1: second');
    expect(err.problems.map((x) => x.message)).toEqual(['first', 'second']);
    expect(err.details).toEqual({ problems: err.problems });
    expect(exitCodeFor(err)).toBe(1);
  });
});

describe('CriterionSyntaxError', () => {
  it('names the criterion and the column, and keeps the reason apart', () => {
    const err = new CriterionSyntaxError('error_rate <> 5%', 12, 'expected one of <, <=, >, >=, ==, !=');
    expect(err.code).toBe('E_SPEC_INVALID');
    expect(err.name).toBe('CriterionSyntaxError');
    expect(err.message).toBe('criterion "error_rate <> 5%", column 12: expected one of <, <=, >, >=, ==, !=');
    expect(err.column).toBe(12);
    expect(err.reason).toBe('expected one of <, <=, >, >=, ==, !=');
    expect(err.details).toEqual({ text: 'error_rate <> 5%', column: 12 });
  });
});
