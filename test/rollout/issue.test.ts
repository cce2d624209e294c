import { describe, expect, it } from 'vitest';
import { formatPath, issueText } from '../../src/rollout/issue.js';

describe('formatPath', () => {
  it.each([
    [[], ''],
    [['stages', 1, 'percent'], 'stages[1].percent'],
    [['metrics', 'error_rate', 'datadog'], 'metrics.error_rate.datadog'],
    [['metrics', 'bad key'], 'metrics["bad key"]'],
    [['metrics', 'p-99'], 'metrics.p-99'],
    [['metrics', '9lives'], 'metrics["9lives"]'],
    [['metrics', 'a.b'], 'metrics["a.b"]'],
    [[0, 'x'], '[0].x'],
    [['"quoted"'], '["\\"quoted\\""]'],
  ])('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('issueText', () => {
  it('prefixes the message with the path of its node', () => {
    expect(issueText({ path: ['stages', 0, 'percent'], at: 'value', message: 'must be > 0' })).toBe(
      'stages[0].percent: must be > 0',
    );
  });

  it('is the message alone at the root', () => {
    expect(issueText({ path: [], at: 'parent', message: 'expected a mapping' })).toBe('expected a mapping');
  });
});
