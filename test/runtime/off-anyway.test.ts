import { beforeEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { historyEntry } from '../../src/ports/history.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import type { RolloutRecord, SaveOptions } from '../../src/ports/state-store.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import type { EngineSession } from '../../src/runtime/engine-session.js';
import { createSafetyNet, errnoOf, writeIsTowardOff, type SafetyNet } from '../../src/runtime/off-anyway.js';
import { createStepper } from '../../src/runtime/step.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/*
 * Issue 11 item 1: a write toward off whose save failed writes the toggle off
 * anyway, keeps the unsaved position with its history in order, and saves it
 * once the store answers again. A conflict never takes this path.
 */

const rollout = parseRolloutText(rolloutYaml({ name: 'r1' }), 'rollouts/r1.yaml');
const FEATURE = rollout.toggle.feature;
const NOW = 1_750_000_000_000;
const log = silentLogger();
const ENOSPC = new StagegateError('E_STORE_UNAVAILABLE', 'cannot write: ENOSPC', { errno: 'ENOSPC' });
let inner: MemoryStateStore;
let store: MemoryStateStore;
let failSaves: boolean;
let toggles: MemoryToggleProvider;
let events: string[];
let notices: RolloutEvent[];
let unsavedCalls: string[];
let net: SafetyNet;

beforeEach(async () => {
  inner = new MemoryStateStore();
  failSaves = false;
  events = [];
  notices = [];
  unsavedCalls = [];
  store = new Proxy(inner, {
    get(t, prop, receiver) {
      if (prop === 'save')
        return async (rec: RolloutRecord, v: number, opts?: SaveOptions) => {
          events.push(failSaves ? 'save failed' : 'save');
          if (failSaves) throw ENOSPC;
          return t.save(rec, v, opts);
        };
      const value = Reflect.get(t, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
  toggles = new MemoryToggleProvider({ features: [FEATURE] });
  await toggles.setPercent(FEATURE, 5, 'percentage_of_actors');
  const real = toggles.disable.bind(toggles);
  toggles.disable = async (f, m) => {
    events.push('toggle off');
    return real(f, m);
  };
  net = createSafetyNet({
    toggleFor: () => toggles,
    notify: (_names, event) => notices.push(event),
    now: () => NOW,
    onUnsaved: (r) => unsavedCalls.push(r.name),
  });
});

/** a session at canary whose abort left a disable intent, its record saved before the abort */
async function aborting(): Promise<{ record: RolloutRecord; session: EngineSession }> {
  const first = openEngineSession(rollout, undefined);
  first.command('promote', { now: NOW, by: 'a', reason: null });
  const record = await inner.save(
    {
      name: 'r1',
      version: 0,
      specHash: rollout.specHash,
      snapshot: first.persisted(),
      intent: null,
      summary: first.summary(),
      updatedAt: NOW,
      spec: rollout,
    },
    0,
  );
  const session = openEngineSession(rollout, record);
  session.command('abort', { now: NOW, by: 'oncall', reason: 'spike' });
  return { record, session };
}

const stepper = () =>
  createStepper({ store, toggleFor: () => toggles, openSession: openEngineSession, now: () => NOW });

describe('errnoOf and writeIsTowardOff', () => {
  it('reads the errno of a store error and the direction of the intent', async () => {
    expect(errnoOf(ENOSPC)).toBe('ENOSPC');
    expect(errnoOf(new Error('ENOSPC'))).toBeNull();
    const { session } = await aborting();
    expect(writeIsTowardOff(session)).toBe(true);
    const promoted = openEngineSession(rollout, undefined);
    promoted.command('promote', { now: NOW, by: 'a', reason: null });
    expect(writeIsTowardOff(promoted)).toBe(false);
  });
});

/** the history entry of the operator abort the position came from */
function abortEntry() {
  return historyEntry({
    type: 'command',
    at: NOW,
    command: 'abort',
    by: 'oncall',
    reason: 'spike',
    accepted: true,
    message: null,
  });
}

describe('guard', () => {
  it('a failing save under a write toward off: the toggle goes off anyway, the position is kept', async () => {
    const from = await aborting();
    const lead = [abortEntry()];
    const out = await net.guard(
      rollout,
      from,
      log,
      async () => {
        events.push('save failed');
        throw ENOSPC;
      },
      () => lead,
    );
    expect(out).toBeNull();
    expect(events).toEqual(['save failed', 'toggle off']);
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(0);
    expect(net.unsaved('r1')).toBe(true);
    expect(net.pending()).toEqual([{ name: 'r1', since: NOW }]);
    expect(unsavedCalls).toEqual(['r1']);
    expect(notices.some((n) => n.type === 'rollback_failed')).toBe(false);
  });

  it('a conflict is not a failing store: rethrown, the toggle untouched', async () => {
    const from = await aborting();
    const conflict = new StagegateError('E_STORE_CONFLICT', 'changed underneath');
    expect(net.applies(conflict, from.session)).toBe(false);
    const err = await net
      .guard(rollout, from, log, async () => {
        throw conflict;
      })
      .catch((e: unknown) => e);
    expect(err).toBe(conflict);
    expect(events).toEqual([]);
    expect(net.unsaved('r1')).toBe(false);
  });

  it('a failing save under a write that raises exposure is rethrown: nothing is written', async () => {
    const promoted = openEngineSession(rollout, undefined);
    promoted.command('promote', { now: NOW, by: 'a', reason: null });
    expect(net.applies(ENOSPC, promoted)).toBe(false);
    const err = await net
      .guard(rollout, { record: undefined, session: promoted }, log, async () => {
        throw ENOSPC;
      })
      .catch((e: unknown) => e);
    expect(err).toBe(ENOSPC);
    expect(events).toEqual([]);
  });
});

describe('offAnyway', () => {
  it('a failing toggle write too raises rollback_failed naming both failures', async () => {
    const from = await aborting();
    toggles.disable = async () => {
      throw new Error('HTTP 503 from the provider');
    };
    const result = await net.offAnyway(rollout, from, ENOSPC, log);
    expect(result.state).toBeNull();
    expect(result.error).toBe('HTTP 503 from the provider');
    const failed = notices.find((n) => n.type === 'rollback_failed');
    expect(failed).toMatchObject({ rollout: 'r1', feature: FEATURE });
    expect(failed && 'reason' in failed ? failed.reason : '').toMatch(/HTTP 503 from the provider/);
    expect(net.unsaved('r1')).toBe(true);
  });
});

describe('flush', () => {
  it('retries the save until the store answers, then appends the kept history in order', async () => {
    const from = await aborting();
    const lead = [abortEntry()];
    await net.offAnyway(rollout, from, ENOSPC, log, lead);
    failSaves = true;
    expect(await net.flush(rollout, stepper(), log)).toBe(false);
    expect(net.unsaved('r1')).toBe(true);
    expect(await inner.history('r1')).toEqual([]);
    failSaves = false;
    expect(await net.flush(rollout, stepper(), log)).toBe(true);
    expect(net.unsaved('r1')).toBe(false);
    expect(net.pending()).toEqual([]);
    const saved = await inner.load('r1');
    expect(saved?.summary.state).toBe('rolled_back');
    expect(saved?.intent).toBeNull();
    const types = (await inner.history('r1')).map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['command', 'toggle-intent', 'toggle-result']);
    // nothing left: a further flush saves nothing
    events = [];
    expect(await net.flush(rollout, stepper(), log)).toBe(true);
    expect(events).toEqual([]);
  });
});

describe('keep', () => {
  it('keeps a position whose result was not saved and notifies what the write caused', async () => {
    const { record, session } = await aborting();
    const state = await toggles.disable(FEATURE, 'zero');
    const outcome = session.toggleApplied(NOW, state);
    const entry = historyEntry({
      type: 'toggle-result',
      at: NOW,
      intentId: 'x',
      ok: true,
      percent: 0,
      error: null,
    });
    net.keep(rollout, { previous: record, session, entries: [entry] }, ENOSPC, log, outcome);
    expect(notices.map((n) => n.type)).toEqual(outcome.notices.map((n) => n.type));
    expect(net.unsaved('r1')).toBe(true);
    expect(await net.flush(rollout, stepper(), log)).toBe(true);
    expect((await inner.load('r1'))?.summary.state).toBe('rolled_back');
    expect((await inner.history('r1')).map((e) => e.type)).toEqual(['toggle-result']);
  });
});
