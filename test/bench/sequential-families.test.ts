import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { measureFamilies, runFamilies, type FamilyResult } from '../../src/bench/sequential-families.js';
import { families } from '../../src/bench/sequential-traffic.js';

/*
 * The issue-10 families benchmark at its smallest: one release per family and
 * policy, one of them also through the real runtime. Asserted: the tables'
 * shape, the outcomes docs/decisions.md#benchmark reports for every seed (a
 * failing criterion always pauses, "before" holds a 15m-window canary until
 * maxStageDuration, the point estimate rolls back), the runtime agreeing
 * with the pure step, and the Datadog request counts (not seeded) exactly.
 */

const NAMES = families().map((f) => f.name);

/** The body rows of a markdown table, as cells. */
const rows = (table: string): string[][] =>
  table
    .split('\n')
    .slice(2)
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );

let r: FamilyResult;
beforeAll(async () => {
  r = await measureFamilies(1, 42, 1, 1);
}, 120_000);

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('measureFamilies', () => {
  it('has one row per family and policy, in the families’ order, with the releases run', () => {
    const body = rows(r.table);
    expect(body.map((c) => [c[0], c[1]])).toEqual(
      NAMES.flatMap((n) => [
        [n, 'stagegate (1)'],
        [n, 'before (1)'],
        [n, 'point (1)'],
      ]),
    );
    // one release: every share is all or nothing
    for (const c of body) for (const share of c.slice(2, 5)) expect(['0.0%', '100.0%']).toContain(share);
    // no onset, no users after it
    for (const c of body.filter((x) => !/regression/.test(x[0] ?? '')))
      expect(c.slice(5)).toEqual(['–', '–', '–']);
  });

  it('reports the outcomes that hold for any seed', () => {
    const cell = (family: string, policy: string) =>
      rows(r.table).find((c) => c[0]?.startsWith(family) && c[1]?.startsWith(policy));
    // rolled back, reached 100%, paused
    expect(cell('definitely failing', 'stagegate')?.slice(2, 5)).toEqual(['0.0%', '0.0%', '100.0%']);
    expect(cell('healthy, window 15m', 'before')?.slice(2, 5)).toEqual(['0.0%', '0.0%', '100.0%']);
    expect(cell('healthy, window 15m', 'point')?.slice(2, 5)).toEqual(['100.0%', '0.0%', '0.0%']);
  });

  it('states the targets of each family, and the runtime decides as the pure step', () => {
    for (const name of NAMES) {
      const texts = r.targets
        .filter(([t]) => t.startsWith(`${name}: `))
        .map(([t]) => t.slice(name.length + 2));
      const expected = name.startsWith('definitely failing')
        ? ['paused (failing) within failingFor']
        : /regression/.test(name)
          ? ['regressions not rolled back ≤ 1%', 'bad releases completing at 100% ≤ 1%']
          : ['false rollbacks ≤ 1% per rollout'];
      for (const e of expected)
        expect(
          texts.some((t) => t.startsWith(e)),
          `${name}: ${e}`,
        ).toBe(true);
    }
    const runtime = r.targets.filter(([t]) => t.includes('the runtime decides as the pure step'));
    expect(runtime.map(([t, ok]) => [t, ok])).toEqual(
      NAMES.map((n) => [`${n}: the runtime decides as the pure step (1 of 1)`, true]),
    );
    expect(r.targets.find(([t]) => t.includes('paused (failing)'))?.[1]).toBe(true);
    expect(rows(r.runtime)).toEqual(NAMES.map((n) => [n, '1 of 1']));
  });

  it('counts the Datadog requests per check of the repository rollouts and each bench rollout once', () => {
    expect(rows(r.requests)).toEqual([
      ['rollouts/event-bus-gateway-emails.yaml', '2', '1'],
      ['rollouts/vre-eligibility-status-updates.yaml', '4', '4'],
      // families sharing a rollout (the long and the sparse pairs) are one row
      ...NAMES.filter((n) => !/^(healthy long|sparse healthy)/.test(n)).map((n) =>
        n.startsWith('definitely failing') ? [`bench: ${n}`, '2', '1'] : [`bench: ${n}`, '1', '1'],
      ),
    ]);
  });
});

describe('runFamilies', () => {
  it('sizes the run from the environment and prints the tables, one ✅/❌ line per target', async () => {
    vi.stubEnv('BENCH_RELEASES', '1');
    vi.stubEnv('BENCH_COMPARISON_RELEASES', '1');
    vi.stubEnv('BENCH_RUNTIME_RELEASES', '0');
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const out = await runFamilies();
    expect(written).toEqual([out]);
    const lines = out.split('\n');
    expect(lines.filter((l) => l.includes(' | stagegate (1) | '))).toHaveLength(NAMES.length);
    const marks = lines.filter((l) => /^- (✅|❌) /.test(l));
    // no runtime releases: no runtime targets, an empty runtime table
    expect(marks.length).toBeGreaterThanOrEqual(NAMES.length);
    expect(marks.some((l) => l.includes('the runtime decides'))).toBe(false);
    expect(out).toContain(
      '| family | same decision at every check, runtime vs pure step |\n|---|---|\n\n| rollout |',
    );
    expect(lines.at(-2)).toMatch(/^\(\d+\.\d s\)$/);
  }, 60_000);
});
