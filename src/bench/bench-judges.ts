import type { JudgeFn } from '../engine/decide.js';
import { compare, judgeCriterion } from '../engine/judge.js';
import { wilsonInterval } from '../engine/stats.js';

/* The policies the benchmarks compare stagegate's judgement with. */

/** The latest value against the threshold: no interval, no notion of sample size. */
export const pointEstimate: JudgeFn = (c, kind, m, opts) =>
  m.kind === 'ratio' && m.denominator > 0
    ? judgeCriterion(c, kind, { kind: 'value', value: m.numerator / m.denominator }, opts)
    : judgeCriterion(c, kind, m, opts);

/** Rollbacks on a plain Wilson interval at policy.confidence on every look: what repeated looks do to it. */
export const wilsonEveryLook: JudgeFn = (c, kind, m, opts) => {
  if (kind !== 'rollback' || m.kind !== 'ratio' || !(m.denominator > 0))
    return judgeCriterion(c, kind, m, opts);
  const interval = wilsonInterval(m.numerator, m.denominator, opts.confidence);
  const breach =
    interval !== null && compare(interval[0], c.op, c.threshold) && compare(interval[1], c.op, c.threshold);
  return {
    criterion: c,
    kind,
    verdict: breach ? 'breach' : 'ok',
    value: m.numerator / m.denominator,
    interval,
    confidence: opts.confidence,
    samples: m.denominator,
    reason: breach ? 'breach' : 'ok',
  };
};
