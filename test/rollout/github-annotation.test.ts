import { describe, expect, it } from 'vitest';
import { githubAnnotation } from '../../src/rollout/github-annotation.js';

describe('githubAnnotation', () => {
  it.each([
    [
      { path: 'rollouts/a.yaml', line: 12, col: 5, message: 'stages[1].percent: must be > 10' },
      '::error file=rollouts/a.yaml,line=12,col=5::stages[1].percent: must be > 10',
    ],
    // no position: the annotation is on the file
    [
      { path: 'rollouts/a.yaml', line: 0, col: 0, message: 'cannot read' },
      '::error file=rollouts/a.yaml::cannot read',
    ],
    // toolkit/core escaping: data escapes %, CR, LF; properties also : and ,
    [
      { path: 'C:\\r,1.yaml', line: 1, col: 1, message: '100% sure\r\nsecond line: yes, really' },
      '::error file=C%3A\\r%2C1.yaml,line=1,col=1::100%25 sure%0D%0Asecond line: yes, really',
    ],
  ])('%j', (problem, expected) => {
    expect(githubAnnotation(problem)).toBe(expected);
  });
});
