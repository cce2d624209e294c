import { describe, expect, it } from 'vitest';
import type { MetricRequest, MetricsProvider, Measurement } from '../../src/ports/metrics-provider.js';
import { buildReportModel, renderReportMarkdown } from '../../src/report/index.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { simulateRollout } from '../../src/runtime/simulate-run.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/*
 * Release reports built from histories the real runtime wrote (simulateRollout:
 * the runner on a virtual clock, so nothing flakes), compared with golden files.
 */

const FROM = Date.parse('2025-06-17T13:00:00Z');

/** requests 1000 per check; errors from `errorsAt(check index)` */
function provider(errorsAt: (i: number) => number): MetricsProvider {
  let calls = 0;
  return {
    name: 'synthetic',
    query: async () => ({ kind: 'no-data', reason: 'unused' }),
    queryMany: async (reqs: readonly MetricRequest[]): Promise<Measurement[]> => {
      const errors = errorsAt(calls++);
      return reqs.map((r) =>
        r.query.kind === 'ratio'
          ? { kind: 'ratio', value: errors / 1000, numerator: errors, denominator: 1000 }
          : { kind: 'value', value: 1000 },
      );
    },
  };
}

async function scenario(name: string, errorsAt: (i: number) => number) {
  const rollout = parseRolloutText(rolloutYaml({ name }), `rollouts/${name}.yaml`);
  const store = new MemoryStateStore();
  await simulateRollout({
    rollout,
    metrics: provider(errorsAt),
    from: FROM,
    until: FROM + 60_000,
    store,
    toggles: new MemoryToggleProvider({ features: [rollout.toggle.feature] }),
  });
  const record = await store.load(name);
  if (!record) throw new Error('no record');
  const history = await store.history(name);
  const model = buildReportModel(record, history, rollout, FROM + 120_000);
  return { history, model, markdown: renderReportMarkdown(model) };
}

describe('report from a history written by the runtime', () => {
  it('after a rollback decided by a check, says when the toggle went off', async () => {
    const { model, markdown, history } = await scenario('rt-rolled-back', (i) => (i >= 3 ? 400 : 0));
    expect(model.state).toBe('rolled_back');
    expect(model.rollbacks).toHaveLength(1);
    const [rb] = model.rollbacks;
    expect(rb?.toggleOffAt).not.toBeNull();
    expect(rb?.toggleOffAt).toBe(rb?.at);
    expect(markdown).not.toContain('Toggle off: not yet');
    // causal order: the deciding check, the rollback, the write, its result
    const types = history.slice(-6).map((e) => (e.type === 'transition' ? `${e.type} ${e.to}` : e.type));
    expect(types).toEqual([
      'check',
      'transition rolling_back',
      'stage',
      'toggle-intent',
      'toggle-result',
      'transition rolled_back',
    ]);
    await expect(markdown).toMatchFileSnapshot('../fixtures/report/runtime-rolled-back.md');
  });

  it('a completed rollout: every stage entered and left by explicit stage entries', async () => {
    const { model, markdown, history } = await scenario('rt-completed', () => 0);
    expect(model.state).toBe('completed');
    const stages = history.flatMap((e) => (e.type === 'stage' ? [`${e.event} ${e.stage}`] : []));
    expect(stages).toEqual([
      'entered canary',
      'left canary',
      'entered half',
      'left half',
      'entered full',
      'left full',
    ]);
    expect(model.stages.map((s) => [s.name, s.status, s.periods.length])).toEqual([
      ['canary', 'passed', 1],
      ['half', 'passed', 1],
      ['full', 'passed', 1],
    ]);
    await expect(markdown).toMatchFileSnapshot('../fixtures/report/runtime-completed.md');
  });
});
