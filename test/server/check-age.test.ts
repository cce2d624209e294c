import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RolloutRecord, RolloutState } from '../../src/ports/state-store.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { CheckAges, overdueProblems } from '../../src/server/check-age.js';
import { StagegateMetrics } from '../../src/server/metrics.js';
import { buildServer } from '../../src/server/server.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';
import { deps, FakeStore, record } from './helpers.js';

/*
 * Issue 11 "nobody notices when checks stop": the age of each rollout's last
 * check on an injected monotonic clock, exported per rollout, and /readyz
 * failing once a rollout that should be checked is overdue by > 2 intervals.
 */

function withSpec(name: string, every: string, state: RolloutState = 'running'): RolloutRecord {
  const spec = parseRolloutText(rolloutYaml({ name, every }), `rollouts/${name}.yaml`);
  const base = record(name, { state });
  return { ...base, spec };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('overdueProblems', () => {
  it.each<[string, RolloutState, number, boolean]>([
    ['running, 19 s after a check every 10 s', 'running', 19, false],
    ['running, exactly 2 intervals', 'running', 20, false],
    ['running, 21 s', 'running', 21, true],
    ['paused (rollback criteria still checked), 21 s', 'paused', 21, true],
    ['rolling_back, 21 s', 'rolling_back', 21, true],
    ['completed: not checked any more', 'completed', 500, false],
    ['pending: waiting for its start', 'pending', 500, false],
  ])('%s → overdue %s', (_label, state, seconds, overdue) => {
    let mono = 1_000;
    const ages = new CheckAges(() => mono);
    ages.checked('a');
    mono += seconds * 1000;
    expect(overdueProblems([withSpec('a', '10s', state)], ages).length > 0).toBe(overdue);
  });

  it('a cron schedule has no interval to be overdue on; a rollout no longer loaded is not judged', () => {
    let mono = 0;
    const ages = new CheckAges(() => mono);
    const cron = withSpec('c', '10s');
    const cronRecord: RolloutRecord = {
      ...cron,
      spec: { ...cron.spec!, check: { ...cron.spec!.check, schedule: { kind: 'cron', cron: '0 * * * *' } } },
    };
    ages.checked('c');
    ages.checked('gone');
    mono = 10_000_000;
    expect(overdueProblems([cronRecord, withSpec('gone', '10s')], ages, new Set(['c']))).toEqual([]);
  });
});

describe('/metrics and /readyz on check age', () => {
  it('exports the age per rollout and fails readiness when checks stop, until the next check', async () => {
    let mono = 0;
    const metrics = new StagegateMetrics({ defaultMetrics: false, clock: () => mono });
    const store = new FakeStore();
    store.records.set('a', withSpec('a', '10s'));
    store.records.set('done', withSpec('done', '10s', 'completed'));
    app = buildServer({ ...deps(store, []), metrics });

    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    mono = 15_000;
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toContain('stagegate_last_check_age_seconds{rollout="a"} 15');
    expect(text).toContain('stagegate_check_interval_seconds{rollout="a"} 10');
    expect(text).not.toContain('stagegate_last_check_age_seconds{rollout="done"}');

    mono = 21_000; // more than two intervals since this process first saw it, no check since
    const stuck = await app.inject({ url: '/readyz' });
    expect(stuck.statusCode).toBe(503);
    expect(stuck.json().problems).toEqual([expect.stringMatching(/^a: no check for 21 s \(every 10 s\)/)]);

    metrics.recordCheck({ rollout: 'a', decision: 'hold', measurements: {} });
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    mono = 23_000;
    expect((await app.inject({ url: '/metrics' })).body).toContain(
      'stagegate_last_check_age_seconds{rollout="a"} 2',
    );
  });
});
