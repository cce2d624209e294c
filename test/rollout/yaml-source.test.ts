import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/rollout/errors.js';
import type { SpecIssue } from '../../src/rollout/issue.js';
import {
  MAX_ALIAS_COUNT,
  MAX_FILE_BYTES,
  parseYamlSource,
  problemAt,
  type YamlSource,
} from '../../src/rollout/yaml-source.js';

const EXPECTED = 'a rollout mapping';

function problems(text: string): string[] {
  const parsed = parseYamlSource(text, 'r.yaml', EXPECTED);
  return parsed.ok ? [] : parsed.problems.map(formatProblem);
}

function source(text: string): YamlSource {
  const parsed = parseYamlSource(text, 'r.yaml', EXPECTED);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  return parsed.source;
}

describe('parseYamlSource', () => {
  it('gives the document, its data and its path', () => {
    const s = source('name: x\nstages:\n  - { percent: 10 }\n');
    expect(s.path).toBe('r.yaml');
    expect(s.data).toEqual({ name: 'x', stages: [{ percent: 10 }] });
  });

  it.each([
    ['', ['r.yaml:1:1: file is empty: expected a rollout mapping']],
    ['# only a comment\n', ['r.yaml:1:1: file is empty: expected a rollout mapping']],
    ['- a\n- b\n', ['r.yaml:1:1: expected a rollout mapping at the top level, got a list']],
    ['\n  just text\n', ['r.yaml:2:3: expected a rollout mapping at the top level, got a single value']],
    ['a: 1\nb: 2\na: 3\nb: 4\n', ['r.yaml:3:1: duplicate key "a"', 'r.yaml:4:1: duplicate key "b"']],
    [
      'a: 1\n---\nb: 2\n',
      ['r.yaml:2:1: a file holds one YAML document: remove the second "---" or split the file'],
    ],
    ['? [a, b]\n: 1\n', ['r.yaml:1:3: a key must be a plain value, not a list or mapping']],
  ])('%j → %j', (text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it('reports the first syntax error only (the rest are echoes of it)', () => {
    const got = problems('a: [1, 2\nb: {\nc: "open\n');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(/^r\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('refuses an alias bomb', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [prev, next] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
    ]) {
      lines.push(
        `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
      );
    }
    expect(problems(`${lines.join('\n')}\n`)).toEqual([
      `r.yaml:2:8: too many aliases (more than ${MAX_ALIAS_COUNT} expansions): refusing a possible alias bomb`,
    ]);
  });

  it('resolves a few aliases', () => {
    expect(source('base: &b { every: 1m }\ncheck: *b\n').data).toEqual({
      base: { every: '1m' },
      check: { every: '1m' },
    });
  });

  it('refuses text over 1 MiB by its bytes, not its characters', () => {
    // 600,000 two-byte characters: 1.2 MB
    const text = `a: "${'é'.repeat(600_000)}"\n`;
    expect(text.length).toBeLessThan(MAX_FILE_BYTES);
    expect(problems(text)).toEqual([
      `r.yaml:1:1: file is too large: ${Buffer.byteLength(text)} bytes, the limit is 1 MiB`,
    ]);
  });
});

describe('problemAt', () => {
  const s = source(
    [
      'name: demo', // 1
      'stages:', // 2
      '  - name: canary', // 3
      '    percent: 10', // 4
      'criteria:', // 5
      '  advance:', // 6
      '    - error_rate <> 5%', // 7
      '    - "error_rate << 5%"', // 8
      'empty:', // 9
      '',
    ].join('\n'),
  );
  const at = (issue: Omit<SpecIssue, 'message'>): string =>
    formatProblem(problemAt(s, { ...issue, message: 'm' }));

  it.each<[Omit<SpecIssue, 'message'>, string]>([
    [{ path: ['stages', 0, 'percent'], at: 'value' }, 'r.yaml:4:14: stages[0].percent: m'],
    [{ path: ['stages', 0, 'percent'], at: 'key' }, 'r.yaml:4:5: stages[0].percent: m'],
    [{ path: ['stages', 0], at: 'parent' }, 'r.yaml:3:5: stages[0]: m'],
    [{ path: [], at: 'parent' }, 'r.yaml:1:1: m'],
    // a plain scalar: column 12 of the criterion is the 12th character of the scalar
    [{ path: ['criteria', 'advance', 0], at: 'value', column: 12 }, 'r.yaml:7:18: criteria.advance[0]: m'],
    // a quoted one: past the opening quote
    [{ path: ['criteria', 'advance', 1], at: 'value', column: 12 }, 'r.yaml:8:19: criteria.advance[1]: m'],
    // an empty value points at its key
    [{ path: ['empty'], at: 'value' }, 'r.yaml:9:1: empty: m'],
    // a path that goes past what exists: the deepest key that does
    [{ path: ['stages', 0, 'minDuration'], at: 'value' }, 'r.yaml:3:5: stages[0].minDuration: m'],
    [{ path: ['stages', 5, 'name'], at: 'value' }, 'r.yaml:2:1: stages[5].name: m'],
    [{ path: ['nothing'], at: 'parent' }, 'r.yaml:1:1: nothing: m'],
  ])('%j → %s', (issue, expected) => {
    expect(at(issue)).toBe(expected);
  });

  it('follows aliases along the path', () => {
    const aliased = source('base: &b\n  every: 30d\ncheck: *b\n');
    expect(
      formatProblem(problemAt(aliased, { path: ['check', 'every'], at: 'value', message: 'too long' })),
    ).toBe('r.yaml:2:10: check.every: too long');
  });
});
