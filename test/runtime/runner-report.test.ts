import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createRunner, type RunnerDeps } from '../../src/runtime/runner.js';
import { createLogger } from '../../src/log.js';
import type {
  Measurement,
  MetricRequest,
  MetricsProvider,
  TimeWindow,
  TopValuesAnswer,
  TopValuesProvider,
  TopValuesQuery,
} from '../../src/ports/metrics-provider.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { parseCriterion } from '../../src/rollout/criteria.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import type { Rollout } from '../../src/rollout/types.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { fakeSession } from './fake-session.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/*
 * What the runner records for the release report: the types of errors
 * logged when a stage ends (and only then), and post-launch check-ins after
 * completion, at most once per offset, across restarts.
 */

const base = parseRolloutText(rolloutYaml({ name: 'r1' }), 'rollouts/r1.yaml');
const rollout: Rollout = {
  ...base,
  metrics: {
    x: {
      name: 'x',
      provider: undefined,
      query: { kind: 'value', query: 'sum:x{*}', aggregator: 'sum' },
      window: { kind: 'stage' },
    },
  },
  criteria: { advance: [parseCriterion('x < 10')], rollback: [parseCriterion('x > 20')] },
  report: {
    errors: {
      provider: undefined,
      source: 'logs',
      search: 'status:error',
      groupBy: '@error.message',
      top: 3,
    },
  },
};

const T0 = 1_000_000;
let clock: number;
let xValue: number;
let store: MemoryStateStore;
let logLines: Record<string, unknown>[];
let queryMany: ReturnType<typeof vi.fn<MetricsProvider['queryMany']>>;
let topValues: ReturnType<typeof vi.fn<TopValuesProvider['topValues']>>;

function deps(): RunnerDeps {
  const metrics: MetricsProvider & TopValuesProvider = {
    name: 'fake',
    query: async () => ({ kind: 'value', value: xValue }),
    queryMany,
    topValues,
  };
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        logLines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const toggles = new MemoryToggleProvider();
  return {
    store,
    metricsFor: () => metrics,
    toggleFor: () => toggles,
    openSession: (r, rec) => fakeSession(r, rec),
    notify: () => undefined,
    logger: createLogger({ level: 'info', destination: stream }),
    now: () => clock,
    settleMs: 0,
  };
}

function checkEntries(history: readonly HistoryEntry[]) {
  return history.filter((e): e is Extract<HistoryEntry, { type: 'check' }> => e.type === 'check');
}

beforeEach(() => {
  clock = T0;
  xValue = 4;
  logLines = [];
  store = new MemoryStateStore();
  queryMany = vi.fn<MetricsProvider['queryMany']>(
    async (reqs: readonly MetricRequest[]): Promise<Measurement[]> =>
      reqs.map(() => ({ kind: 'value', value: xValue })),
  );
  topValues = vi.fn<TopValuesProvider['topValues']>(async (): Promise<TopValuesAnswer> => ({
    kind: 'values',
    values: [
      { value: 'SMTP timeout', count: 7 },
      { value: 'template missing', count: 2 },
    ],
  }));
});

describe('types of errors logged', () => {
  it('are asked when a stage ends, over the stage, and recorded on that check only', async () => {
    const runner = createRunner(deps());
    // the fake engine starts on the first check, advances on the next two, then holds at 100%
    for (let i = 0; i < 4; i++) {
      clock = T0 + i * 10_000;
      await runner.check(rollout);
    }
    expect(topValues).toHaveBeenCalledTimes(2);
    const [query, window] = topValues.mock.calls[0] as [TopValuesQuery, TimeWindow, AbortSignal];
    expect(query).toEqual({ source: 'logs', search: 'status:error', facet: '@error.message', limit: 3 });
    // fake-session stages start 5 s before the check
    expect(window).toEqual({ from: T0 + 5_000, to: T0 + 10_000 });
    const history = await store.history('r1');
    const top = [
      { message: 'SMTP timeout', count: 7 },
      { message: 'template missing', count: 2 },
    ];
    expect(checkEntries(history).map((c) => [c.stage, c.detail.decision?.action])).toEqual([
      [null, 'advance'],
      ['0', 'advance'],
      ['1', 'advance'],
      ['2', 'hold'],
    ]);
    // one entry per stage that ended (starting ends no stage), after the write that ended it
    const stageErrors = history.filter((e) => e.type === 'stage-errors');
    expect(stageErrors.map((e) => [e.stage, e.errors, e.from, e.to])).toEqual([
      ['0', top, T0 + 5_000, T0 + 10_000],
      ['1', top, T0 + 15_000, T0 + 20_000],
    ]);
    const order = history.map((e) => e.type);
    expect(order.indexOf('stage-errors')).toBeGreaterThan(order.indexOf('toggle-result', 3));
  });

  it('are asked on a rollback too, and a failure is a warning that changes no decision', async () => {
    const runner = createRunner(deps());
    await runner.check(rollout);
    xValue = 25; // > 10: the fake engine rolls back
    topValues.mockResolvedValueOnce({ kind: 'error', code: 'E_PROVIDER_RATE_LIMITED', message: 'throttled' });
    clock = T0 + 10_000;
    await runner.check(rollout);
    expect(topValues).toHaveBeenCalledTimes(1);
    expect((await store.load('r1'))?.summary.state).toBe('rolled_back');
    const history = await store.history('r1');
    const check = checkEntries(history).at(-1);
    expect(history.filter((e) => e.type === 'stage-errors')).toEqual([]);
    expect(check?.detail.errors).toBeNull();
    expect(check?.detail.decision).toEqual({ action: 'rollback', reasons: ['x > 10'] });
    expect(logLines.find((l) => l.msg === 'errors query failed, not recorded')).toMatchObject({
      level: 40,
      code: 'E_PROVIDER_RATE_LIMITED',
      error: 'throttled',
    });
  });
});

describe('post-launch check-ins', () => {
  const OFFSETS = [2_000, 5_000];
  const launched: Rollout = { ...rollout, postLaunchMs: OFFSETS };
  const COMPLETED_AT = T0 + 100;

  beforeEach(async () => {
    // a rollout that completed at COMPLETED_AT, at 100%
    const snapshot = {
      state: 'completed',
      index: 2,
      percent: 100,
      intent: null,
      retryAt: null,
      ticks: 3,
      lastCheck: COMPLETED_AT,
    };
    await store.save(
      {
        name: 'r1',
        version: 0,
        specHash: launched.specHash,
        snapshot,
        intent: null,
        summary: {
          state: 'completed',
          stage: '2',
          stageIndex: 2,
          percent: 100,
          reason: null,
          lastCheck: COMPLETED_AT,
        },
        updatedAt: COMPLETED_AT,
      },
      0,
    );
    await store.appendHistory('r1', {
      type: 'transition',
      at: COMPLETED_AT,
      from: 'running',
      to: 'completed',
      stage: '2',
      percent: 100,
      reason: null,
    });
  });

  it('measure every metric since completion when each offset falls due, once, and never touch the toggle', async () => {
    const toggleFor = vi.fn();
    const runner = createRunner({ ...deps(), toggleFor });
    const table: { at: number; checked: boolean; offsets: number[] }[] = [
      { at: COMPLETED_AT + 1_999, checked: false, offsets: [] },
      { at: COMPLETED_AT + 2_000, checked: true, offsets: [2_000] },
      { at: COMPLETED_AT + 3_000, checked: false, offsets: [2_000] },
      { at: COMPLETED_AT + 5_500, checked: true, offsets: [2_000, 5_000] },
      { at: COMPLETED_AT + 9_000, checked: false, offsets: [2_000, 5_000] },
    ];
    for (const row of table) {
      clock = row.at;
      const report = await runner.check(launched);
      expect({ at: row.at - COMPLETED_AT, checked: report.checked }).toEqual({
        at: row.at - COMPLETED_AT,
        checked: row.checked,
      });
      const done = checkEntries(await store.history('r1')).map(
        (c) => (c.detail.postLaunch as { offsetMs: number }).offsetMs,
      );
      expect(done).toEqual(row.offsets);
    }
    expect(toggleFor).not.toHaveBeenCalled();
    expect(queryMany).toHaveBeenCalledTimes(2);
    const [requests] = queryMany.mock.calls[0] as [readonly MetricRequest[]];
    expect(requests[0]?.window).toEqual({ from: COMPLETED_AT, to: COMPLETED_AT + 2_000 });
    const [first] = checkEntries(await store.history('r1'));
    expect(first).toMatchObject({
      at: COMPLETED_AT + 2_000,
      stage: '2',
      percent: 100,
      detail: {
        state: 'completed',
        measurements: { x: { kind: 'value', value: 4 } },
        results: [
          {
            criterion: { text: 'x < 10', metric: 'x', percent: false },
            kind: 'advance',
            verdict: 'pass',
            value: 4,
          },
          {
            criterion: { text: 'x > 20', metric: 'x', percent: false },
            kind: 'rollback',
            verdict: 'ok',
            value: 4,
          },
        ],
        decision: null,
        postLaunch: { offsetMs: 2_000 },
        errors: [
          { message: 'SMTP timeout', count: 7 },
          { message: 'template missing', count: 2 },
        ],
      },
    });
    expect((await store.load('r1'))?.version).toBe(1);
    expect(logLines.filter((l) => l.msg === 'post-launch check-in').map((l) => l.offsetMs)).toEqual([
      2_000, 5_000,
    ]);
  });

  it('are not repeated after a restart: history says which offsets are done', async () => {
    clock = COMPLETED_AT + 2_500;
    await createRunner(deps()).check(launched);
    const restarted = createRunner(deps());
    expect((await restarted.check(launched)).checked).toBe(false);
    clock = COMPLETED_AT + 6_000;
    expect((await restarted.check(launched)).action).toBe('post-launch');
    const done = checkEntries(await store.history('r1')).map(
      (c) => (c.detail.postLaunch as { offsetMs: number }).offsetMs,
    );
    expect(done).toEqual([2_000, 5_000]);
  });

  it('one measurement serves every offset that is overdue at once', async () => {
    clock = COMPLETED_AT + 60_000;
    await createRunner(deps()).check(launched);
    expect(queryMany).toHaveBeenCalledTimes(1);
    expect(topValues).toHaveBeenCalledTimes(1);
    const checks = checkEntries(await store.history('r1'));
    expect(checks.map((c) => c.detail.postLaunch)).toEqual([{ offsetMs: 2_000 }, { offsetMs: 5_000 }]);
  });

  it('a completed rollout without postLaunch is not measured', async () => {
    clock = COMPLETED_AT + 60_000;
    expect((await createRunner(deps()).check(rollout)).checked).toBe(false);
    expect(queryMany).not.toHaveBeenCalled();
  });
});
