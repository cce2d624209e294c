import { afterEach, describe, expect, it } from 'vitest';
import { parseRolloutText } from '../../src/rollout/loader.js';
import type { DatadogSandbox } from '../../src/sandbox/datadog-server.js';
import {
  FAILING,
  HEALTHY,
  PercentTimeline,
  driveSeries,
  feature,
  queries,
  rolloutYaml,
} from '../../src/sandbox/demo-scenario.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import type { SeriesSpec } from '../../src/sandbox/scenario.js';

/* The demo's rollouts and their traffic (src/sandbox/demo-scenario.ts). */

let flipper: FlipperSandbox | undefined;
afterEach(async () => {
  await flipper?.close();
  flipper = undefined;
});

/** A Datadog sandbox stand-in that keeps what the demo sets. */
function recordingSandbox(): { dd: DatadogSandbox; series: Map<string, SeriesSpec> } {
  const series = new Map<string, SeriesSpec>();
  const dd = {
    setSeries: (key: string, spec: SeriesSpec) => series.set(key, spec),
  } as unknown as DatadogSandbox;
  return { dd, series };
}

function rateAt(spec: SeriesSpec | undefined, t: number): number {
  if (spec === undefined || spec === null || !('perSecond' in spec))
    throw new Error('not a perSecond series');
  return typeof spec.perSecond === 'number' ? spec.perSecond : spec.perSecond(t);
}

describe('the demo rollouts', () => {
  it('are valid rollout files on the feature and queries of their name', () => {
    for (const name of [HEALTHY, FAILING]) {
      const rollout = parseRolloutText(rolloutYaml(name, 'a demo'), `${name}.yaml`);
      expect(rollout.name).toBe(name);
      expect(rollout.toggle.feature).toBe(feature(name));
      expect(rollout.metrics.error_rate?.query).toEqual({
        kind: 'ratio',
        numerator: queries(name).errors,
        denominator: queries(name).requests,
      });
      expect(rollout.stages.map((s) => s.percent)).toEqual([5, 25, 50, 100]);
    }
    expect(feature(HEALTHY)).toBe('demo_checkout_redesign_enabled');
  });
});

describe('PercentTimeline', () => {
  it('follows the percentage the Flipper sandbox shows, step by step', async () => {
    flipper = await startFlipperSandbox({ features: ['f'] });
    const timeline = new PercentTimeline(flipper, 'f');
    timeline.sample(1000);
    flipper.setFeature('f', { percentageOfActors: 25 });
    timeline.sample(2000);
    flipper.setFeature('f', { percentageOfActors: 50 });
    timeline.sample(3000);
    expect([500, 1500, 2500, 3500].map((t) => timeline.at(t))).toEqual([0, 0, 25, 50]);
  });
});

describe('driveSeries', () => {
  it('grows requests with exposure and fails 30% of them from the failing percent on', async () => {
    flipper = await startFlipperSandbox({ features: ['f'] });
    const timeline = new PercentTimeline(flipper, 'f');
    flipper.setFeature('f', { percentageOfActors: 25 });
    timeline.sample(1000);
    flipper.setFeature('f', { percentageOfActors: 50 });
    timeline.sample(2000);
    const { dd, series } = recordingSandbox();
    driveSeries(dd, 'demo-x', timeline, 50);
    const q = queries('demo-x');
    expect(rateAt(series.get(q.requests), 1500)).toBe(40 + 4 * 25);
    expect(rateAt(series.get(q.errors), 1500)).toBeCloseTo((40 + 4 * 25) * 0.01);
    expect(rateAt(series.get(q.errors), 2500)).toBeCloseTo((40 + 4 * 50) * 0.3);

    const healthy = recordingSandbox();
    driveSeries(healthy.dd, 'demo-x', timeline, null);
    expect(rateAt(healthy.series.get(q.errors), 2500)).toBeCloseTo((40 + 4 * 50) * 0.01);
  });
});
