import { describe, expect, it } from 'vitest';
import { run } from '../../src/bench/controller-throughput.js';

/*
 * The controller pass with 12 rollouts on the file store and on PostgreSQL:
 * three real `stagegate run --once` processes per store. Asserts the one
 * table's structure and that its numbers mean what they say: every rollout
 * checked, the steady pass asks Datadog once per check, every breaching
 * rollout rolled back, p50 ≤ p99.
 */

const ROLLOUTS = 12;

describe('controller throughput benchmark', () => {
  it('prints file and postgres passes as one table', { timeout: 90_000 }, async () => {
    let printed = '';
    const out = await run({ rollouts: ROLLOUTS, write: (t) => (printed += t) });
    expect(printed).toBe(`${out}\n`);
    expect(out).not.toContain('skipped');
    const rows = out
      .split('\n')
      .filter((l) => /^\| (file|postgres)[^|]* \| \d: /.test(l))
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    expect(rows.map((r) => `${r[0]?.split(' ')[0]} ${r[1]?.slice(0, 1)}`)).toEqual([
      'file 1',
      'file 2',
      'file 3',
      'postgres 1',
      'postgres 2',
      'postgres 3',
    ]);
    for (const r of rows) {
      const [, pass, wall, , checks, perSecond, p50, p99, rss, requests, checked, exit] = r;
      expect({ pass, checked, exit }).toEqual({ pass, checked: String(ROLLOUTS), exit: '0' });
      expect(parseFloat(wall ?? '')).toBeGreaterThan(parseFloat(checks ?? ''));
      expect(Number(perSecond)).toBeGreaterThan(0);
      expect(parseFloat(p50 ?? '')).toBeLessThanOrEqual(parseFloat(p99 ?? ''));
      expect(parseFloat(rss ?? '')).toBeGreaterThan(0);
      // the first pass only starts the rollouts; the others ask once per check
      expect(requests).toBe(pass?.startsWith('1') ? '0.00' : '1.00');
    }
    for (const s of ['file (fsync)', 'postgres']) {
      expect(out).toMatch(
        new RegExp(
          `\\| ${s.replace(/[()]/g, '\\$&')}[^|]* \\| breach → toggle off < 1 s \\| ${ROLLOUTS} rollbacks: `,
        ),
      );
    }
  });
});
