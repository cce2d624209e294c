import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/bench/decision-quality.js';

/*
 * The decision-quality benchmark run once at its smallest (the issue-10
 * families at 20 releases, 5 for the comparison policies, 2 through the
 * runtime; the first table's 1,000 releases per group are fixed in the
 * module): its numbers are measurements, not assertions, so this asserts the
 * printed tables' structure and the invariants any correct run must hold.
 */

let output = '';
let printed = '';

beforeAll(async () => {
  vi.stubEnv('BENCH_RELEASES', '20');
  vi.stubEnv('BENCH_COMPARISON_RELEASES', '5');
  vi.stubEnv('BENCH_RUNTIME_RELEASES', '2');
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  try {
    output = await run();
  } finally {
    write.mockRestore();
    vi.unstubAllEnvs();
  }
}, 400_000);

afterAll(() => vi.unstubAllEnvs());

/** The rows of the markdown table that starts with `header`, as trimmed cells (header and divider dropped). */
function table(header: string): string[][] {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  expect(start, `table ${header}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

function percent(cell: string | undefined): number {
  const m = /^(\d+(?:\.\d)?)%$/.exec(cell ?? '');
  expect(m, `a percentage: ${cell}`).not.toBeNull();
  return Number(m?.[1]);
}

const POLICIES = [
  'stagegate (sequential)',
  'before (per-look interval)',
  'point estimate',
  'Wilson, every look',
];

describe('decision-quality benchmark at tiny sizes', () => {
  it('prints what it returns (the first table as soon as it is measured), sections in order', () => {
    const cut = output.indexOf('\n### Issue-10');
    expect(cut).toBeGreaterThan(0);
    expect(printed).toBe(`${output.slice(0, cut)}\n${output.slice(cut)}`);
    const headings = [
      '| 1,000 releases per group |',
      '### Issue-10 families',
      '### The same releases through the real runtime (simulateRollout), first 2 of each family',
      '### Datadog requests per check',
      '### Advance: samples to a decision',
    ].map((h) => output.indexOf(h));
    expect(headings.every((i) => i >= 0)).toBe(true);
    expect([...headings].sort((a, b) => a - b)).toEqual(headings);
  });

  it('the policy table: four policies, every rate within 0..100%, exclusive outcomes sum to at most 100%', () => {
    const header = output.split('\n')[0] ?? '';
    expect(header).toBe(`| 1,000 releases per group | ${POLICIES.join(' | ')} |`);
    const rows = table('| 1,000 releases per group |');
    expect(rows).toHaveLength(13);
    expect(rows.every((r) => r.length === 5)).toBe(true);
    const row = (label: string): string[] => {
      const r = rows.find((x) => x[0] === label);
      expect(r, label).toBeDefined();
      return (r ?? []).slice(1);
    };
    for (const r of rows.filter((x) => x[1]?.endsWith('%'))) {
      for (const cell of r.slice(1)) expect(percent(cell)).toBeGreaterThanOrEqual(0);
      for (const cell of r.slice(1)) expect(percent(cell)).toBeLessThanOrEqual(100);
    }
    const falseRollbacks = row('healthy (3%): rolled back — false rollbacks').map(percent);
    const healthyPaused = row('healthy: paused, held 72h in a stage').map(percent);
    const badRolledBack = row('bad: rolled back').map(percent);
    const badPaused = row('bad: paused at 2% after 72h without proof either way').map(percent);
    POLICIES.forEach((_, i) => {
      // a release ends one way: rolled back or paused, never both (0.1 for rounding)
      expect((falseRollbacks[i] ?? 0) + (healthyPaused[i] ?? 0)).toBeLessThanOrEqual(100.1);
      expect((badRolledBack[i] ?? 0) + (badPaused[i] ?? 0)).toBeLessThanOrEqual(100.1);
    });
    // judging the latest value alone rolls back healthy releases at least as often as the sequential method
    expect(falseRollbacks[2]).toBeGreaterThanOrEqual(falseRollbacks[0] ?? Infinity);
    expect(falseRollbacks[2]).toBeGreaterThan(0);
    // the medians are a number of hours, checks or users, or n/a when nothing happened
    for (const cell of row('healthy: median time to 100%')) expect(cell).toMatch(/^(\d+\.\d h|n\/a)$/);
    for (const cell of row('bad: median checks from exposure to rollback'))
      expect(cell).toMatch(/^(\d+(\.5)?|n\/a)$/);
  });

  it('the three targets say what the table says', () => {
    const targets = output.split('\n').filter((l) => /^- (✅|❌) /.test(l));
    const first = targets.slice(0, 3);
    expect(first.map((t) => t.replace(/^- (✅|❌) /, '').replace(/\(.*\)/, '()'))).toEqual([
      'false rollbacks ≤ 1% ()',
      'bad releases reaching 100% ≤ 1% ()',
      'detection at the 50% stage no slower than the point estimate ()',
    ]);
    const ours = table('| 1,000 releases per group |').find((r) => r[0]?.startsWith('healthy (3%)'))?.[1];
    const stated = /\((\d+\.\d)%\)/.exec(first[0] ?? '')?.[1];
    expect(`${stated}%`).toBe(ours);
    expect(first[0]?.startsWith('- ✅')).toBe(percent(ours) <= 1);
  });

  it('the families table runs each policy at the sizes the environment asked for', () => {
    const rows = table('| family | policy (releases) |');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length % 3).toBe(0);
    const families = new Set(rows.map((r) => r[0]));
    for (const family of families) {
      expect(rows.filter((r) => r[0] === family).map((r) => r[1])).toEqual([
        'stagegate (20)',
        'before (5)',
        'point (5)',
      ]);
    }
    for (const r of rows) {
      expect(r).toHaveLength(8);
      for (const cell of r.slice(2, 5)) {
        expect(percent(cell)).toBeGreaterThanOrEqual(0);
        expect(percent(cell)).toBeLessThanOrEqual(100);
      }
      // rolled back and paused are exclusive ends
      expect(percent(r[2]) + percent(r[4])).toBeLessThanOrEqual(100.1);
    }
    // on every healthy family the point estimate rolls back at least as often as stagegate
    for (const family of [...families].filter((f) => f?.includes('healthy'))) {
      const of = (p: string) => percent(rows.find((r) => r[0] === family && r[1] === p)?.[2]);
      expect(of('point (5)')).toBeGreaterThanOrEqual(of('stagegate (20)'));
    }
  });

  it('the runtime table compares the first 2 releases of every family', () => {
    const families = new Set(table('| family | policy (releases) |').map((r) => r[0]));
    const rows = table('| family | same decision at every check');
    expect(rows.map((r) => r[0])).toEqual([...families]);
    for (const r of rows) {
      const m = /^(\d+) of (\d+)$/.exec(r[1] ?? '');
      expect(m).not.toBeNull();
      expect(Number(m?.[2])).toBe(2);
      expect(Number(m?.[1])).toBeLessThanOrEqual(2);
    }
  });

  it('requests per check and samples to a decision are positive counts', () => {
    const requests = table('| rollout | requests per check before | after |');
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      // batching never adds requests
      expect(Number(r[2])).toBeGreaterThan(0);
      expect(Number(r[2])).toBeLessThanOrEqual(Number(r[1]));
    }
    const samples = table('| true rate | confidence sequence |');
    expect(samples.map((r) => r[0])).toEqual(['3% (pass)', '10% (fail)']);
    for (const r of samples) for (const c of r.slice(1)) expect(Number(c)).toBeGreaterThan(0);
  });
});
