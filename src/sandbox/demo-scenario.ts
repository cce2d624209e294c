import type { DatadogSandbox } from './datadog-server.js';
import type { FlipperSandbox } from './flipper-server.js';

/*
 * The demo's two rollouts: their names, feature toggles, Datadog queries and
 * rollout files, and the traffic each one sees as a function of time and of
 * the toggle's percentage (followed on the Flipper sandbox).
 */

export const HEALTHY = 'demo-checkout-redesign';
export const FAILING = 'demo-email-notifications';

export function feature(name: string): string {
  return `${name.replace(/-/g, '_')}_enabled`;
}

export function queries(name: string): { requests: string; errors: string } {
  const metric = name.replace(/-/g, '_');
  return {
    requests: `sum:demo.${metric}.requests{env:sandbox}.as_count()`,
    errors: `sum:demo.${metric}.errors{env:sandbox}.as_count()`,
  };
}

export function rolloutYaml(name: string, description: string): string {
  const q = queries(name);
  return `name: ${name}
description: ${JSON.stringify(description)}
toggle:
  provider: flipper
  feature: ${feature(name)}
  gate: percentage_of_actors
  onRollback: zero
start: immediately
check:
  every: 1s
  timezone: UTC
stages:
  - { name: canary, percent: 5, minDuration: 3s, minSamples: 100 }
  - { name: stage-b, percent: 25, minDuration: 3s }
  - { name: stage-c, percent: 50, minDuration: 4s }
  - { name: stage-d, percent: 100, minDuration: 2s }
samples: requests
metrics:
  requests:
    datadog: { query: "${q.requests}", aggregator: sum }
    window: stage
  error_rate:
    datadog:
      numerator: "${q.errors}"
      denominator: "${q.requests}"
    window: 3s
criteria:
  advance:
    - error_rate < 5%
  rollback:
    - error_rate > 10% for 2 checks
policy:
  noData: hold
  maxConsecutiveErrors: 3
  confidence: 0.95
`;
}

/** The toggle's percentage over time, followed on the Flipper sandbox. */
export class PercentTimeline {
  private readonly points: Array<[number, number]> = [[0, 0]];

  constructor(
    private readonly flipper: FlipperSandbox,
    private readonly name: string,
  ) {}

  sample(now: number): void {
    const gate = this.flipper.feature(this.name)?.gates.find((g) => g.key === 'percentage_of_actors');
    const percent = typeof gate?.value === 'string' ? Number(gate.value) : 0;
    if (this.points.at(-1)?.[1] !== percent) this.points.push([now, percent]);
  }

  at(t: number): number {
    let p = 0;
    for (const [from, percent] of this.points) if (from <= t) p = percent;
    return p;
  }
}

/** Requests per second grow with exposure; the failing feature errors on 30% of requests from 50% on. */
export function driveSeries(
  dd: DatadogSandbox,
  name: string,
  timeline: PercentTimeline,
  failsFrom: number | null,
): void {
  const q = queries(name);
  const requests = (t: number) => 40 + 4 * timeline.at(t);
  const errorShare = (t: number) => (failsFrom !== null && timeline.at(t) >= failsFrom ? 0.3 : 0.01);
  dd.setSeries(q.requests, { perSecond: requests });
  dd.setSeries(q.errors, { perSecond: (t) => requests(t) * errorShare(t) });
}
