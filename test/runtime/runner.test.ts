import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createRunner, type RunnerDeps } from '../../src/runtime/runner.js';
import { StagegateError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import type { Measurement, MetricRequest, MetricsProvider } from '../../src/ports/metrics-provider.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import type { HistoryEntry, RolloutRecord, SaveOptions } from '../../src/ports/state-store.js';
import type { Gate } from '../../src/ports/toggle-provider.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import type { Rollout } from '../../src/rollout/types.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { fakeSession } from './fake-session.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

const base = parseRolloutText(rolloutYaml({ name: 'r1' }), 'rollouts/r1.yaml');
const rollout: Rollout = {
  ...base,
  metrics: {
    x: {
      name: 'x',
      provider: undefined,
      query: { kind: 'value', query: 'sum:x{*}', aggregator: 'sum' },
      window: { kind: 'duration', ms: 10_000 },
    },
  },
};
const FEATURE = rollout.toggle.feature;

let events: string[];
let logLines: Record<string, unknown>[];
let store: MemoryStateStore;
let toggles: MemoryToggleProvider;
let xValue: number;
let queryMany: ReturnType<typeof vi.fn<MetricsProvider['queryMany']>>;
let notified: RolloutEvent[];

/** A store and toggle that log every call into one sequence, to assert the order of side effects. */
function spyStore(inner: MemoryStateStore): MemoryStateStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'save') {
        return async (rec: RolloutRecord, v: number, opts?: SaveOptions) => {
          events.push(
            `save v${v} intent=${rec.intent ? `${rec.intent.action}:${rec.intent.percent}` : 'none'}`,
          );
          // the entries committed with the record, in the order they land
          for (const e of opts?.history ?? []) events.push(`history ${e.type}`);
          return target.save(rec, v, opts);
        };
      }
      if (prop === 'appendHistory') {
        return async (name: string, e: HistoryEntry) => {
          events.push(`history ${e.type}`);
          return target.appendHistory(name, e);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The spied store, refusing every save (E_STORE_IO, as a full disk) until `recover()`. */
function flakyStore(): { store: MemoryStateStore; recover: () => void } {
  const spied = spyStore(store);
  const flaky = Object.create(spied) as MemoryStateStore;
  let down = true;
  flaky.save = async (rec, v, opts) => {
    if (down) {
      events.push('save refused');
      throw new StagegateError('E_STORE_IO', 'disk full');
    }
    return spied.save(rec, v, opts);
  };
  return { store: flaky, recover: () => (down = false) };
}

function deps(overrides: Partial<RunnerDeps> = {}): RunnerDeps {
  const metrics: MetricsProvider = {
    name: 'fake',
    query: async () => ({ kind: 'value', value: xValue }),
    queryMany,
  };
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        logLines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return {
    store: spyStore(store),
    metricsFor: () => metrics,
    toggleFor: () => {
      return new Proxy(toggles, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (prop === 'setPercent') {
            return async (f: string, p: number, g: Gate) => {
              events.push(`toggle set ${p}`);
              return target.setPercent(f, p, g);
            };
          }
          if (prop === 'disable') {
            return async (f: string, m: 'zero' | 'disable') => {
              events.push(`toggle disable ${m}`);
              return target.disable(f, m);
            };
          }
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
    openSession: (r, rec) => fakeSession(r, rec, () => events.push('tick')),
    notify: (_names, event) => notified.push(event),
    logger: createLogger({ level: 'debug', destination: stream }),
    now: () => 1_000_000,
    ...overrides,
  };
}

beforeEach(() => {
  events = [];
  logLines = [];
  notified = [];
  store = new MemoryStateStore();
  toggles = new MemoryToggleProvider();
  xValue = 1;
  queryMany = vi.fn<MetricsProvider['queryMany']>(
    async (reqs: readonly MetricRequest[]): Promise<Measurement[]> => {
      events.push('query');
      return reqs.map(() => ({ kind: 'value', value: xValue }));
    },
  );
});

describe('runner.check', () => {
  it('saves the intent before writing the toggle and the result after, in this exact order', async () => {
    const report = await createRunner(deps()).check(rollout);
    expect(report.checked).toBe(true);
    expect(events).toEqual([
      'query',
      'tick',
      'save v0 intent=set:5',
      // committed with the intent's record: the check that decided the write; then the intent, the write
      'history spec',
      'history check',
      'history toggle-intent',
      'toggle set 5',
      // the result, its entry and what it caused (users now see the first stage), in one atomic save
      'save v1 intent=none',
      'history toggle-result',
      'history stage',
    ]);
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(5);
    const rec = await store.load('r1');
    expect(rec?.intent).toBeNull();
    expect(rec?.summary.percent).toBe(5);
    expect(rec?.specHash).toBe(rollout.specHash);
  });

  it('re-applies an intent a crash left pending before anything else', async () => {
    // a previous process saved the intent and died before writing the toggle
    const crashed = fakeSession(rollout, undefined);
    crashed.tick({ now: 1, measurements: {}, toggle: null });
    await store.save(
      {
        name: 'r1',
        version: 0,
        specHash: rollout.specHash,
        snapshot: crashed.persisted(),
        intent: crashed.intent(),
        summary: crashed.summary(),
        updatedAt: 1,
      },
      0,
    );
    await createRunner(deps()).check(rollout);
    expect(events.slice(0, 6)).toEqual([
      'history toggle-intent',
      'toggle set 5',
      'save v1 intent=none',
      'history toggle-result',
      'history stage',
      'query',
    ]);
    // and the check then moves on to the next stage
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(50);
  });

  it('redoes the step on the new version when an operator saved meanwhile, without querying again', async () => {
    const inner = store;
    let raced = false;
    const spied = spyStore(inner);
    const racing = Object.create(spied) as MemoryStateStore;
    racing.save = async (rec, v, opts) => {
      if (!raced) {
        raced = true;
        // an operator command lands between the runner's load and save
        const other = fakeSession(rollout, undefined);
        await inner.save(
          {
            name: 'r1',
            version: 0,
            specHash: 'x',
            snapshot: other.persisted(),
            intent: null,
            summary: other.summary(),
            updatedAt: 0,
          },
          0,
        );
      }
      return spied.save(rec, v, opts);
    };
    await createRunner(deps({ store: racing })).check(rollout);
    expect(queryMany).toHaveBeenCalledTimes(1);
    expect(events.filter((e) => e === 'tick')).toHaveLength(2);
    // the redo recomputed the check's entries and committed them with its save: once, not per attempt
    expect((await store.history('r1')).filter((e) => e.type === 'check')).toHaveLength(1);
    expect(logLines.some((l) => String(l.msg).startsWith('record changed during the step'))).toBe(true);
    expect((await store.load('r1'))?.version).toBe(3);
  });

  it("commits none of a check's entries when its save fails; the next check commits its own once", async () => {
    const flaky = flakyStore();
    const runner = createRunner(deps({ store: flaky.store }));
    await expect(runner.check(rollout)).rejects.toThrow('disk full');
    expect(events).toEqual(['query', 'tick', 'save refused']);
    expect(await store.history('r1')).toEqual([]);
    flaky.recover();
    await runner.check(rollout);
    expect((await store.history('r1')).map((e) => e.type)).toEqual([
      'spec',
      'check',
      'toggle-intent',
      'toggle-result',
      'stage',
    ]);
  });

  it("keeps a rollback check's entries when its save fails and commits them once with the retried save", async () => {
    xValue = 12;
    const flaky = flakyStore();
    const runner = createRunner(deps({ store: flaky.store }));
    try {
      expect((await runner.check(rollout)).action).toBe('off-anyway');
      // the toggle went off anyway; nothing of the check reached the store
      expect(events).toEqual(['query', 'tick', 'save refused', 'toggle disable zero']);
      expect(await store.history('r1')).toEqual([]);
      expect((await runner.check(rollout)).action).toBe('unsaved');
      expect(await store.history('r1')).toEqual([]);
      flaky.recover();
      events.length = 0;
      await runner.check(rollout);
      // one save carries the check, what it decided, the write and its result, in causal order
      expect(events).toEqual([
        'save v0 intent=none',
        'history spec',
        'history check',
        'history transition',
        'history toggle-intent',
        'history toggle-result',
        'history transition',
      ]);
      expect((await store.load('r1'))?.summary.state).toBe('rolled_back');
    } finally {
      runner.close();
    }
  });

  it('logs one check line with each metric value and the decision', async () => {
    await createRunner(deps()).check(rollout);
    const checkLines = logLines.filter((l) => l.msg === 'check');
    expect(checkLines).toHaveLength(1);
    expect(checkLines[0]).toMatchObject({
      level: 30,
      rollout: 'r1',
      decision: 'advance',
      metrics: { x: { value: 1, vs: [] } },
    });
    expect(logLines.find((l) => l.msg === 'toggle written')).toMatchObject({
      feature: FEATURE,
      action: 'set',
      percent: 5,
    });
  });

  it('rolls back with an error-level check line and notifies', async () => {
    xValue = 12;
    await createRunner(deps()).check(rollout);
    expect(logLines.find((l) => l.msg === 'check')).toMatchObject({ level: 50, decision: 'rollback' });
    expect(events).toContain('toggle disable zero');
    expect((await store.load('r1'))?.summary.state).toBe('rolled_back');
    expect(notified.map((e) => e.type)).toEqual(['rolled_back']);
  });

  it('a failed rollback is critical, notified, and stays pending for a retry', async () => {
    xValue = 12;
    toggles.disable = async () => {
      throw new StagegateError('E_PROVIDER_UNREACHABLE', 'flipper: connection refused');
    };
    const runner = createRunner(deps());
    await runner.check(rollout);
    const fatal = logLines.find((l) => l.level === 60);
    expect(fatal).toMatchObject({
      msg: 'rollback failed: toggle still on, retrying',
      error: 'flipper: connection refused',
      retryAt: 1_001_000,
    });
    expect(notified.map((e) => e.type)).toEqual(['rollback_failed']);
    const rec = await store.load('r1');
    expect(rec?.intent?.action).toBe('disable');
    const history = await store.history('r1');
    expect(history.filter((e) => e.type === 'toggle-result')).toMatchObject([
      { ok: false, error: 'flipper: connection refused' },
    ]);
    // not due yet: applyPending does nothing before retryAt
    expect(await runner.applyPending(rollout)).toBe(false);
  });

  it('turns a metrics provider that throws into error measurements', async () => {
    queryMany.mockRejectedValueOnce(new StagegateError('E_PROVIDER_UNREACHABLE', 'datadog down'));
    await createRunner(deps()).check(rollout);
    expect(logLines.find((l) => l.msg === 'check')).toMatchObject({
      level: 40,
      metrics: { x: { value: null, missing: 'E_PROVIDER_UNREACHABLE: datadog down' } },
    });
    expect(logLines.find((l) => l.msg === 'metrics provider error')).toMatchObject({
      metric: 'x',
      code: 'E_PROVIDER_UNREACHABLE',
    });
  });
});
