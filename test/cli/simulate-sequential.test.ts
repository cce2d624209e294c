import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Issue 10's first two measurements, reproduced with `stagegate simulate`
 * (spawned from dist/: build first): a regression that starts in the middle
 * of a stage, and one on day 6 of a 7-day canary, are both rolled back within
 * an hour of their onset (before: 2–4 hours, and never).
 */

const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');
const FIXTURES = resolve(import.meta.dirname, '../fixtures/series');
const FROM = '2025-06-17T09:00:00-04:00';
const MIN = 60_000;
const HOUR = 60 * MIN;

interface Timeline {
  readonly stoppedBecause: string;
  readonly timeline: ReadonlyArray<{ at: string; decision: string; state: string; percent: number }>;
}

async function simulate(rollout: string, series: string): Promise<Timeline> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CLI, 'simulate', join(FIXTURES, rollout), '--metrics', series, '--from', FROM, '--json'],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Timeline;
}

/** Deterministic buckets: `perBucket` sends with errors spread evenly at `rate` (a running remainder). */
function series(
  metric: string,
  bucketMs: number,
  hours: number,
  perBucket: number,
  rateAt: (ms: number) => number,
) {
  const rows = ['time,metric,value,numerator,denominator,status,message'];
  let owed = 0;
  for (let t = 0; t < hours * HOUR; t += bucketMs) {
    owed += perBucket * rateAt(t);
    const errors = Math.floor(owed);
    owed -= errors;
    rows.push(`+${t / MIN}m,${metric},,${errors},${perBucket},,`);
  }
  return `${rows.join('\n')}\n`;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-sequential-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rollbackAt(t: Timeline): number {
  const rb = t.timeline.find((e) => e.decision === 'rollback');
  expect(rb, 'a rollback').toBeDefined();
  return Date.parse(rb?.at ?? '') - Date.parse(FROM);
}

describe('simulate reproduces issue 10 with a rollback within an hour of onset', () => {
  it('3% → 10% errors two hours into the 25% stage (≈ 2,000 sends/hour at 100%, 5m checks, 15m window)', async () => {
    const onset = 2 * HOUR;
    // 25% of 2,000 an hour: ≈ 42 sends per 5-minute bucket
    const file = join(dir, 'mid-stage.csv');
    await writeFile(
      file,
      series('error_rate', 5 * MIN, 6, 42, (t) => (t >= onset ? 0.1 : 0.03)),
    );
    const t = await simulate('issue10-mid-stage.yaml', file);
    const at = rollbackAt(t);
    expect(t.stoppedBecause).toBe('rolled_back');
    // nothing before the onset: 3% is healthy
    expect(at).toBeGreaterThan(onset);
    expect(at - onset).toBeLessThanOrEqual(HOUR);
  });

  it('15% failures from day 6 of a 7-day canary (15m checks, 1h window)', async () => {
    const onset = 6 * 24 * HOUR;
    const file = join(dir, 'long-canary.csv');
    await writeFile(
      file,
      series('failure_rate', 15 * MIN, 6.5 * 24, 50, (t) => (t >= onset ? 0.15 : 0.03)),
    );
    const t = await simulate('issue10-long-canary.yaml', file);
    const at = rollbackAt(t);
    expect(t.timeline.filter((e) => e.decision === 'hold').length).toBeGreaterThan(500);
    expect(at).toBeGreaterThan(onset);
    expect(at - onset).toBeLessThanOrEqual(HOUR);
  });
});
