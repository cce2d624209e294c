import { describe, expect, it } from 'vitest';
import { duplicatesOf } from '../../src/controller/duplicates.js';
import { firstOfEachName } from '../../src/rollout/loader.js';

describe('duplicatesOf', () => {
  it('only the duplicate-name problems, with the ignored and the kept file', () => {
    const problems = [
      { path: 'rollouts/x.yaml', line: 3, col: 1, message: 'stages: required' },
      {
        path: 'rollouts/b.yaml',
        line: 1,
        col: 7,
        message: 'name: duplicate rollout name "a" (also in rollouts/a.yaml)',
        duplicateOf: { name: 'a', kept: 'rollouts/a.yaml' },
      },
    ];
    expect(duplicatesOf(problems)).toEqual([
      { name: 'a', ignored: 'rollouts/b.yaml', kept: 'rollouts/a.yaml' },
    ]);
  });

  it('the running file is the one kept, wherever it sorts (firstOfEachName marks the other)', () => {
    const r = { name: 'a' } as never;
    const checks = [
      { path: 'rollouts/a.yaml', rollout: r, problems: [] },
      { path: 'rollouts/b.yaml', rollout: r, problems: [] },
    ];
    const { problems } = firstOfEachName(checks as never, new Map([['a', 'rollouts/b.yaml']]));
    expect(duplicatesOf(problems)).toEqual([
      { name: 'a', ignored: 'rollouts/a.yaml', kept: 'rollouts/b.yaml' },
    ]);
  });
});
