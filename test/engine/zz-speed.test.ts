import { test } from 'vitest';
import { judgeCriterion } from '../../src/engine/judge.js';
import { formatInterval } from '../../src/engine/format.js';
import { formatDuration } from '../../src/spec/duration.js';
import { makeRollout, ratio } from './rollout-factory.js';
test('speed', () => {
  const r = makeRollout();
  const time = (name: string, f: (i: number) => void) => { const t = performance.now(); for (let i = 0; i < 20000; i++) f(i); console.log('X', name, ((performance.now() - t) / 20000) * 1000); };
  const m = (i: number) => ratio(Math.round((50 + (i % 500) * 3) * 0.03), 50 + (i % 500) * 3);
  time('judge-rb', (i) => judgeCriterion(r.criteria.rollback[0]!, 'rollback', m(i), { confidence: 0.95, look: 1 + (i % 50) }));
  time('judge-adv', (i) => judgeCriterion(r.criteria.advance[0]!, 'advance', m(i), { confidence: 0.95 }));
  time('fmt', (i) => formatInterval([0.01 + i * 1e-7, 0.05], true));
  time('dur', (i) => formatDuration(i * 1000));
});
