import { judgeCriterion } from '../engine/judge.js';
import { parseCriterion } from '../rollout/criteria.js';
import { binomial, prng } from './seeded-random.js';
import { median } from './summary-stats.js';

/**
 * Median samples until `error_rate < 5%` passes (true 3%) or definitely fails
 * (true 10%), looking after every 20 users: the confidence sequence (valid
 * at every look) against a Wilson interval (valid for one look).
 */
export function samplesToDecision(seed: number): string {
  const c = parseCriterion('error_rate < 5%');
  const rows: string[] = [
    '| true rate | confidence sequence | Wilson (one-look interval, looked at every check) |',
    '|---|---:|---:|',
  ];
  for (const [rate, want] of [
    [0.03, 'pass'],
    [0.1, 'fail'],
  ] as const) {
    const cols = [true, false].map((sequential) => {
      const ns: number[] = [];
      for (let r = 0; r < 300; r++) {
        const rand = prng(seed + r * 31 + (sequential ? 1 : 2));
        let x = 0;
        let n = 0;
        for (let look = 0; look < 500; look++) {
          x += binomial(rand, 20, rate);
          n += 20;
          const v = judgeCriterion(
            c,
            'advance',
            { kind: 'ratio', numerator: x, denominator: n, value: x / n },
            {
              confidence: 0.95,
              sequential,
            },
          ).verdict;
          if (v === want) {
            ns.push(n);
            break;
          }
        }
      }
      return String(median(ns) ?? 'n/a');
    });
    rows.push(`| ${rate * 100}% (${want}) | ${cols[0]} | ${cols[1]} |`);
  }
  return rows.join('\n');
}
