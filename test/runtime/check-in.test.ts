import { describe, expect, it } from 'vitest';
import { historyEntry } from '../../src/ports/history.js';
import type { MetricRequest, MetricsProvider } from '../../src/ports/metrics-provider.js';
import type { HistoryEntry, RolloutSummary } from '../../src/ports/state-store.js';
import type { Rollout } from '../../src/rollout/types.js';
import { createCheckIns } from '../../src/runtime/check-in.js';
import type { Position } from '../../src/runtime/step.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { captureLogger, record } from '../store/helpers.js';
import { errorRateProvider, twoStageRollout } from './two-stage.js';

const DAY = 86_400_000;
const COMPLETED_AT = 10 * DAY;
const rollout: Rollout = { ...twoStageRollout('r1'), postLaunchMs: [7 * DAY, 30 * DAY] };
const summary: RolloutSummary = {
  state: 'completed',
  stage: 'full',
  stageIndex: 1,
  percent: 100,
  reason: null,
  lastCheck: 1,
};
const position: Position = {
  record: record('r1', { version: 4, updatedAt: 3 * DAY }),
  session: { summary: () => summary } as unknown as Position['session'],
};

function counting(): { provider: MetricsProvider; asked: MetricRequest[][] } {
  const asked: MetricRequest[][] = [];
  const inner = errorRateProvider(() => 1);
  return {
    asked,
    provider: {
      ...inner,
      queryMany: async (reqs, signal) => (asked.push([...reqs]), inner.queryMany(reqs, signal)),
    },
  };
}

async function setup(history: HistoryEntry[], clock: { now: number }) {
  const store = new MemoryStateStore();
  for (const e of history) await store.appendHistory('r1', e);
  const metrics = counting();
  const checkIns = createCheckIns({ store, metricsFor: () => metrics.provider, now: () => clock.now });
  return { store, metrics, checkIns };
}

const completion = historyEntry({
  type: 'transition',
  at: COMPLETED_AT,
  from: 'running',
  to: 'completed',
  stage: 'full',
  percent: 100,
  reason: null,
});

const postLaunchOffsets = async (store: MemoryStateStore) =>
  (await store.history('r1')).flatMap((e) =>
    e.type === 'check' && e.detail.postLaunch ? [e.detail.postLaunch.offsetMs] : [],
  );

describe('createCheckIns', () => {
  it('does nothing before the first offset is due, and asks no provider', async () => {
    const clock = { now: COMPLETED_AT + 7 * DAY - 1 };
    const { checkIns, metrics, store } = await setup([completion], clock);
    expect(await checkIns.run(rollout, position, captureLogger().logger)).toBe(false);
    expect(metrics.asked).toEqual([]);
    expect(await postLaunchOffsets(store)).toEqual([]);
  });

  it('records a due offset once: a check entry over the window since completion, and a log line', async () => {
    const clock = { now: COMPLETED_AT + 7 * DAY };
    const { checkIns, metrics, store } = await setup([completion], clock);
    const cap = captureLogger();
    expect(await checkIns.run(rollout, position, cap.logger)).toBe(true);
    expect(await checkIns.run(rollout, position, cap.logger)).toBe(false);
    expect(metrics.asked).toHaveLength(1);
    expect(await postLaunchOffsets(store)).toEqual([7 * DAY]);
    const check = (await store.history('r1')).at(-1);
    expect(check).toMatchObject({
      type: 'check',
      at: clock.now,
      stage: 'full',
      percent: 100,
      detail: { state: 'completed', decision: null, toggle: null },
    });
    if (check?.type === 'check') expect(check.detail.results.map((r) => r.verdict)).toContain('pass');
    expect(cap.lines.filter((l) => l.msg === 'post-launch check-in')).toEqual([
      expect.objectContaining({ offsetMs: 7 * DAY, dueAt: new Date(COMPLETED_AT + 7 * DAY).toISOString() }),
    ]);
  });

  it('two offsets due at once: one measurement, one entry each, earliest first', async () => {
    const clock = { now: COMPLETED_AT + 31 * DAY };
    const { checkIns, metrics, store } = await setup([completion], clock);
    expect(await checkIns.run(rollout, position, captureLogger().logger)).toBe(true);
    expect(metrics.asked).toHaveLength(1);
    expect(await postLaunchOffsets(store)).toEqual([7 * DAY, 30 * DAY]);
  });

  it('does not repeat check-ins a previous process recorded (history is the progress)', async () => {
    const clock = { now: COMPLETED_AT + 8 * DAY };
    const first = await setup([completion], clock);
    await first.checkIns.run(rollout, position, captureLogger().logger);
    const again = createCheckIns({
      store: first.store,
      metricsFor: () => first.metrics.provider,
      now: () => clock.now,
    });
    expect(await again.run(rollout, position, captureLogger().logger)).toBe(false);
    expect(await postLaunchOffsets(first.store)).toEqual([7 * DAY]);
  });

  it('without a completion in history, counts from the record’s last save', async () => {
    const clock = { now: 3 * DAY + 7 * DAY };
    const { checkIns, store } = await setup([], clock);
    expect(await checkIns.run(rollout, position, captureLogger().logger)).toBe(true);
    expect(await postLaunchOffsets(store)).toEqual([7 * DAY]);
  });

  it('forget drops the remembered progress: a new completion in history is read again', async () => {
    const clock = { now: COMPLETED_AT + 7 * DAY };
    const { checkIns, store } = await setup([completion], clock);
    await checkIns.run(rollout, position, captureLogger().logger);
    const later = 100 * DAY;
    await store.appendHistory('r1', { ...completion, at: later });
    clock.now = later + 7 * DAY;
    checkIns.forget('r1');
    expect(await checkIns.run(rollout, position, captureLogger().logger)).toBe(true);
    expect(await postLaunchOffsets(store)).toEqual([7 * DAY, 7 * DAY]);
  });
});
