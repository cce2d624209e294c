import { describe, expect, it } from 'vitest';
import {
  checksPerSecond,
  percentile,
  throughputTable,
  type PassMeasure,
  type StoreMeasure,
} from '../../src/bench/throughput-table.js';

const pass = (o: Partial<PassMeasure> = {}): PassMeasure => ({
  wallMs: 4_000,
  loadMs: 500,
  passMs: 2_000,
  maxRssMb: 200,
  requests: 100,
  checked: 100,
  code: 0,
  checkP50: 20,
  checkP99: 90,
  ...o,
});

const store = (name: string, o: Partial<StoreMeasure> = {}): StoreMeasure => ({
  store: name,
  passes: [pass({ requests: 0 }), pass(), pass({ wallMs: 5_000 })],
  latencies: Array.from({ length: 100 }, (_, i) => i + 1),
  warm: [10, 20, 30],
  ...o,
});

describe('throughput table', () => {
  it('takes percentiles of a sorted list by rank, NaN of none', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(percentile([5], 0)).toBe(5);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('counts checks per second over the checking part of the pass', () => {
    expect(checksPerSecond(pass({ checked: 1_000, passMs: 4_000 }))).toBe(250);
    expect(checksPerSecond(pass({ passMs: Number.NaN }))).toBeNaN();
  });

  it('prints every pass of every store as one table, then the targets per store', () => {
    const out = throughputTable(
      [
        store('file'),
        store('postgres', { passes: [pass(), pass(), pass({ maxRssMb: 320, wallMs: 12_000 })] }),
      ],
      100,
    );
    const lines = out.split('\n');
    const rows = lines.filter((l) => /^\| (file|postgres) \| \d: /.test(l));
    expect(rows.map((l) => l.split(' | ')[0])).toEqual([
      '| file',
      '| file',
      '| file',
      '| postgres',
      '| postgres',
      '| postgres',
    ]);
    expect(rows[1]).toBe(
      '| file | 2: steady state (measure, hold) | 4.00 s | 0.50 s | 2.00 s | 50 | 20 ms | 90 ms | 200 MB | 1.00 | 100 | 0 |',
    );
    expect(out).toContain('| file | one pass over 100 rollouts < 10 s | worst 5.00 s | yes |');
    expect(out).toContain('| postgres | one pass over 100 rollouts < 10 s | worst 12.00 s | NO |');
    expect(out).toContain('| postgres | peak memory < 300 MB | worst 320 MB | NO |');
    expect(out).toContain(
      '| file | breach → toggle off < 1 s | 100 rollbacks: median 51 ms, p95 96 ms, max 100 ms; warm (3): median 20 ms, max 30 ms | yes |',
    );
  });

  it('misses the rollback target when a rollout was not rolled back', () => {
    const out = throughputTable([store('file', { latencies: [10, 20] })], 100);
    expect(out).toMatch(/\| file \| breach → toggle off < 1 s \| 2 rollbacks: .* \| NO \|/);
  });
});
