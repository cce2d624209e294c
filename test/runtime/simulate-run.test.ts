import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplayMetricsProvider } from '../../src/providers/metrics/replay.js';
import { loadSeriesFile } from '../../src/providers/metrics/replay-series.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { loadRolloutFile } from '../../src/rollout/loader.js';
import { simulateRollout, type SimulationResult } from '../../src/runtime/simulate-run.js';

/* simulateRollout() (the real runner on a virtual clock) on the example of docs/simulate.md: test/fixtures/series/ebg-emails.yaml with its two series. */

const FIXTURES = resolve(import.meta.dirname, '../fixtures/series');
const FROM = Date.parse('2025-06-17T09:00:00-04:00');
const MIN = 60_000;

async function run(series: string, autoApprove = false): Promise<SimulationResult> {
  const rollout = await loadRolloutFile(`${FIXTURES}/ebg-emails.yaml`);
  const provider = new ReplayMetricsProvider(
    await loadSeriesFile(`${FIXTURES}/${series}`),
    FROM,
    rollout.metrics,
  );
  const every = rollout.check.schedule.kind === 'every' ? rollout.check.schedule.everyMs : 15 * MIN;
  return simulateRollout({
    rollout,
    metrics: provider,
    store: new MemoryStateStore(),
    toggles: new MemoryToggleProvider({ features: [rollout.toggle.feature] }),
    from: FROM,
    until: (provider.lastTime() ?? FROM) + every,
    nextCheck: (now) => now + every,
    autoApprove,
  });
}

const at = (r: SimulationResult, minutes: number) => r.timeline.find((e) => e.at === FROM + minutes * MIN);

describe('simulating the example rollout', () => {
  it('a healthy series advances stage by stage and waits for the approval of 100%', async () => {
    const r = await run('ebg-healthy.csv');
    expect(
      r.timeline.filter((e) => e.notices.length > 0).map((e) => [(e.at - FROM) / MIN, e.notices]),
    ).toEqual([
      [0, ['started']],
      [60, ['advanced']],
      [120, ['advanced']],
      [180, ['awaiting_approval']],
    ]);
    expect(r.stoppedBecause).toBe('end of series');
    expect(r.final).toMatchObject({ state: 'awaiting_approval', stage: 'stage-c', percent: 50 });
  });

  it('the recorded Datadog outage shows as a provider error that only holds', async () => {
    const r = await run('ebg-healthy.csv');
    const outage = at(r, 90);
    expect(outage?.measurements.error_rate).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_UNREACHABLE',
      message: 'Datadog 503 Service Unavailable',
    });
    expect(outage?.action).toBe('hold');
  });

  it('with auto-approve it completes at 100%', async () => {
    const r = await run('ebg-healthy.csv', true);
    expect(at(r, 180)?.action).toBe('approve');
    expect(r.final).toMatchObject({ state: 'completed', stage: 'stage-e', percent: 100 });
    expect(r.stoppedBecause).toBe('completed');
  });

  it('a regression at 50% is rolled back after two breaching checks', async () => {
    const r = await run('ebg-regression.csv');
    expect(at(r, 135)).toMatchObject({ action: 'hold', state: 'running', percent: 50 });
    expect(at(r, 150)).toMatchObject({
      action: 'rollback',
      state: 'rolled_back',
      percent: 0,
      notices: ['rolled_back'],
    });
    expect(r.stoppedBecause).toBe('rolled_back');
    expect(r.final.reason).toBe(
      // the CUSUM's threshold: ln(16 planned checks / α 0.05) / θ(3%) = 5.77 / 0.79 = 7.3
      'error_rate 12% (600/5000) breaches > 5%: evidence 479.6 of 7.3 (CUSUM, 5000 trials this stage) for 2 of 2 checks',
    );
  });
});
