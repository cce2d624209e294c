import { beforeEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { historyEntry, type HistoryEntry } from '../../src/ports/history.js';
import type { RolloutRecord, SaveOptions, ToggleIntent } from '../../src/ports/state-store.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import type { EngineSession } from '../../src/runtime/engine-session.js';
import {
  ResultUnsavedError,
  createStepper,
  describeError,
  isConflict,
  rollbackFailedNotice,
  type Stepper,
} from '../../src/runtime/step.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/*
 * The stepper's contract (DESIGN.md §4): a commit saves the record with the
 * intent the step left and its history in one write, redoing the step on a
 * conflict; applyIntent appends the intent, writes the toggle, then saves the
 * result. What reaches the store and the toggle is logged in one sequence.
 */

const rollout = parseRolloutText(rolloutYaml({ name: 'r1' }), 'rollouts/r1.yaml');
const FEATURE = rollout.toggle.feature;
const NOW = 1_750_000_000_000;
const log = silentLogger();
let inner: MemoryStateStore;
let store: MemoryStateStore;
let toggles: MemoryToggleProvider;
let events: string[];
let failSaves: boolean;

/** the memory store, saves and appends logged into `events`, saves failing while `failSaves` */
function loggedStore(target: MemoryStateStore): MemoryStateStore {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop === 'save')
        return async (rec: RolloutRecord, v: number, opts?: SaveOptions) => {
          if (failSaves) {
            events.push('save failed');
            throw new StagegateError('E_STORE_UNAVAILABLE', 'cannot write: ENOSPC', { errno: 'ENOSPC' });
          }
          events.push(`save ${(opts?.history ?? []).map((e) => e.type).join(',')}`);
          return t.save(rec, v, opts);
        };
      if (prop === 'appendHistory')
        return async (name: string, e: HistoryEntry) => {
          events.push(`append ${e.type}`);
          return t.appendHistory(name, e);
        };
      const value = Reflect.get(t, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

function stepper(over: { toggles?: MemoryToggleProvider } = {}): Stepper {
  return createStepper({
    store,
    toggleFor: () => over.toggles ?? toggles,
    openSession: openEngineSession,
    now: () => NOW,
  });
}

const promote = (s: EngineSession) => s.command('promote', { now: NOW, by: 'a', reason: null });
const marker = (n: number): HistoryEntry =>
  historyEntry({
    type: 'command',
    at: NOW,
    command: 'promote',
    by: `try ${n}`,
    reason: null,
    accepted: true,
    message: null,
  });

beforeEach(() => {
  inner = new MemoryStateStore();
  failSaves = false;
  events = [];
  store = loggedStore(inner);
  toggles = new MemoryToggleProvider({ features: [FEATURE] });
  const real = toggles.setPercent.bind(toggles);
  toggles.setPercent = async (f, p, g) => {
    events.push(`toggle ${p}`);
    return real(f, p, g);
  };
});

describe('commit', () => {
  it('saves the record with the intent the step left and its history in the same write', async () => {
    const step = await stepper().commit(
      rollout,
      { record: undefined, session: openEngineSession(rollout, undefined) },
      promote,
      { log, specHash: 'rollout', history: () => [marker(1)] },
    );
    expect(events).toEqual(['save command']);
    const saved = await inner.load('r1');
    expect(saved?.version).toBe(1);
    expect(saved?.intent?.action).toBe('set');
    expect(step.record).toEqual(saved);
    expect((await inner.history('r1')).map((e) => e.type)).toEqual(['command']);
  });

  it('on a conflict redoes the step on the reloaded version; only the redo history is kept', async () => {
    const first = await stepper().commit(
      rollout,
      { record: undefined, session: openEngineSession(rollout, undefined) },
      promote,
      { log, specHash: 'rollout' },
    );
    // someone saves meanwhile (an operator command in another process)
    const other = first.record as RolloutRecord;
    await inner.save({ ...other, updatedAt: NOW + 1 }, other.version);
    let calls = 0;
    const step = await stepper().commit(
      rollout,
      first,
      (s) => {
        calls++;
        return s.command('pause', { now: NOW, by: 'b', reason: null });
      },
      { log, specHash: 'keep', history: () => [marker(calls)] },
    );
    expect(calls).toBe(2);
    expect(step.record?.version).toBe(3);
    expect(step.record?.summary.state).toBe('paused');
    const entries = await inner.history('r1');
    expect(entries.map((e) => (e.type === 'command' ? e.by : e.type))).toEqual(['try 2']);
  });

  it('gives up after five conflicts, appending nothing', async () => {
    const always = new Proxy(inner, {
      get(t, prop, receiver) {
        if (prop === 'save')
          return async () => {
            throw new StagegateError('E_STORE_CONFLICT', 'changed underneath');
          };
        const value = Reflect.get(t, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
    store = always;
    let calls = 0;
    const err = await stepper()
      .commit(
        rollout,
        { record: undefined, session: openEngineSession(rollout, undefined) },
        (s) => {
          calls++;
          return promote(s);
        },
        { log, specHash: 'rollout', history: () => [marker(calls)] },
      )
      .catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect(calls).toBe(5);
    expect(await inner.history('r1')).toEqual([]);
  });

  it('saves nothing when the step says there is nothing to save', async () => {
    const step = await stepper().commit(
      rollout,
      { record: undefined, session: openEngineSession(rollout, undefined) },
      promote,
      { log, specHash: 'rollout', skip: () => true },
    );
    expect(step.record).toBeUndefined();
    expect(events).toEqual([]);
    expect(await inner.load('r1')).toBeUndefined();
  });
});

describe('applyIntent', () => {
  async function promoted() {
    return stepper().commit(
      rollout,
      { record: undefined, session: openEngineSession(rollout, undefined) },
      promote,
      { log, specHash: 'rollout' },
    );
  }

  it('appends the intent, writes the toggle, then saves the result with its entry', async () => {
    const from = await promoted();
    events = [];
    const report = await stepper().applyIntent(rollout, from, log);
    const percent = from.record?.intent?.action === 'set' ? from.record.intent.percent : -1;
    expect(events[0]).toMatch(/^append|^save/);
    const toggleAt = events.indexOf(`toggle ${percent}`);
    expect(events.slice(0, toggleAt).join(' ')).toContain('toggle-intent');
    expect(events[toggleAt + 1]).toMatch(/^save toggle-result/);
    expect(report?.failure).toBeNull();
    expect((await inner.load('r1'))?.intent).toBeNull();
    const types = (await inner.history('r1')).map((e) => e.type);
    expect(types.indexOf('toggle-intent')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('toggle-intent')).toBeLessThan(types.indexOf('toggle-result'));
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(percent);
  });

  it('without an intent appends nothing and writes no toggle', async () => {
    const report = await stepper().applyIntent(
      rollout,
      { record: undefined, session: openEngineSession(rollout, undefined) },
      log,
    );
    expect(report).toBeNull();
    expect(events.some((e) => e.startsWith('toggle'))).toBe(false);
    expect(await inner.history('r1')).toEqual([]);
  });

  it('a failed write is reported and its intent stays in the record for the next try', async () => {
    const from = await promoted();
    const broken = new MemoryToggleProvider({ features: [FEATURE] });
    broken.setPercent = async () => {
      throw new Error('HTTP 503 from the provider');
    };
    const report = await stepper({ toggles: broken }).applyIntent(rollout, from, log);
    expect(report?.failure).toBe('HTTP 503 from the provider');
    expect((await inner.load('r1'))?.intent?.id).toBe(from.record?.intent?.id);
    const result = (await inner.history('r1')).find((e) => e.type === 'toggle-result');
    expect(result).toMatchObject({ ok: false, percent: null, error: 'HTTP 503 from the provider' });
    expect(stepper().due(openEngineSession(rollout, await inner.load('r1')))).toBe(false);
  });

  it('a store failing after the write throws ResultUnsavedError carrying the unsaved result', async () => {
    const from = await promoted();
    failSaves = true;
    const err = await stepper()
      .applyIntent(rollout, from, log)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultUnsavedError);
    const unsaved = err as ResultUnsavedError;
    expect(unsaved.entries[0]).toMatchObject({ type: 'toggle-result', ok: true });
    expect(unsaved.session.intent()).toBeNull();
    expect(unsaved.previous).toEqual(from.record);
    expect(events.indexOf('save failed')).toBeGreaterThan(events.findIndex((e) => e.startsWith('toggle ')));
  });
});

describe('due', () => {
  it('is true for an intent with no retry wait, false without an intent', () => {
    const session = openEngineSession(rollout, undefined);
    expect(stepper().due(session)).toBe(false);
    promote(session);
    expect(stepper().due(session)).toBe(true);
  });
});

describe('rollbackFailedNotice and describeError', () => {
  it('raises rollback_failed only for a failed disable the engine did not report', async () => {
    const session = openEngineSession(rollout, undefined);
    promote(session);
    const intent: ToggleIntent = {
      id: 'i1',
      action: 'disable',
      percent: 0,
      gate: 'percentage_of_actors',
      mode: 'zero',
      at: NOW,
    };
    const step = {
      record: undefined,
      session,
      before: session.summary(),
      outcome: { transitions: [], notices: [], decision: null },
    };
    const failed = { intent, step, failure: 'HTTP 503', at: NOW, ms: 5 };
    expect(rollbackFailedNotice(rollout, failed, [])).toMatchObject({
      type: 'rollback_failed',
      rollout: 'r1',
      feature: FEATURE,
      reason: 'HTTP 503',
    });
    expect(rollbackFailedNotice(rollout, { ...failed, failure: null }, [])).toBeNull();
    expect(
      rollbackFailedNotice(rollout, { ...failed, intent: { ...intent, action: 'set', percent: 5 } }, []),
    ).toBeNull();
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('plain')).toBe('plain');
  });
});
