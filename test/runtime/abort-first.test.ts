import { beforeEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import type { RolloutRecord, SaveOptions } from '../../src/ports/state-store.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { applyAbort, operatorCommand } from '../../src/runtime/abort-first.js';
import { applyOperatorCommand } from '../../src/runtime/commands.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/*
 * Issue 11 items 1 and 2b at the command level: an abort writes the toggle
 * off first, then records it; a store that cannot save makes it fail only
 * after the toggle is off (the API's 503, the CLI's exit 3).
 */

const rollout = parseRolloutText(rolloutYaml({ name: 'r1' }), 'rollouts/r1.yaml');
const FEATURE = rollout.toggle.feature;
const NOW = 1_750_000_000_000;
let store: MemoryStateStore;
let toggles: MemoryToggleProvider;
let events: string[];

/** the memory store, failing every save once `full` is set, logging saves and writes in one sequence */
function failingStore(inner: MemoryStateStore, full: { on: boolean }): MemoryStateStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'save') {
        return async (rec: RolloutRecord, v: number, opts?: SaveOptions) => {
          events.push(full.on ? 'save failed' : 'save');
          if (full.on)
            throw new StagegateError('E_STORE_UNAVAILABLE', 'cannot write: ENOSPC (disk full)', {
              errno: 'ENOSPC',
            });
          return target.save(rec, v, opts);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

beforeEach(async () => {
  store = new MemoryStateStore();
  toggles = new MemoryToggleProvider({ features: [FEATURE] });
  const real = toggles.disable.bind(toggles);
  toggles.disable = async (f, m) => {
    events.push('toggle off');
    return real(f, m);
  };
  events = [];
  // a rollout at canary 5%, the toggle really there
  await applyOperatorCommand(store, rollout, 'promote', { by: 'a', reason: null, now: NOW });
  await toggles.setPercent(FEATURE, 5, 'percentage_of_actors');
  const rec = await store.load('r1');
  if (rec?.intent)
    await store.save(
      { ...rec, intent: null, summary: { ...rec.summary, state: 'running', percent: 5 } },
      rec.version,
    );
});

/** the toggle provider, its disable logged into the same sequence as the saves */
function loggedToggles(): MemoryToggleProvider {
  return toggles;
}

describe('applyAbort', () => {
  it('writes the toggle off before it saves anything, then records it with one write', async () => {
    const result = await applyAbort(failingStore(store, { on: false }), rollout, {
      by: 'oncall',
      reason: 'spike',
      now: NOW + 10,
      toggleFor: loggedToggles,
    });
    expect(result).toMatchObject({ accepted: true, stateError: null });
    expect(result.summary.state).toBe('rolled_back');
    expect(events[0]).toBe('toggle off');
    expect(events.filter((e) => e === 'toggle off')).toHaveLength(1);
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(0);
    expect((await store.load('r1'))?.intent).toBeNull();
    const history = (await store.history('r1')).map((e) => e.type);
    expect(history.slice(history.lastIndexOf('command'))).toEqual(
      expect.arrayContaining(['command', 'toggle-intent', 'toggle-result']),
    );
  });

  it('disk full: the toggle is off, then the failure is reported (never a 503 before the toggle is off)', async () => {
    const full = { on: true };
    const failing = failingStore(store, full);
    const result = await applyAbort(failing, rollout, {
      by: 'oncall',
      reason: null,
      now: NOW + 10,
      toggleFor: loggedToggles,
    });
    expect(result.accepted).toBe(true);
    expect(result.stateError).toMatch(/ENOSPC/);
    expect(result.message).toMatch(/toggle written off; the state could not be saved/);
    expect(events).toEqual(['toggle off', 'save failed']);

    // the API's path: E_STORE_UNAVAILABLE (503), thrown after the write
    await toggles.setPercent(FEATURE, 5, 'percentage_of_actors');
    events = [];
    const err = await operatorCommand(failing, rollout, 'abort', {
      by: 'api',
      reason: null,
      now: NOW + 20,
      toggleFor: loggedToggles,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagegateError);
    expect((err as StagegateError).code).toBe('E_STORE_UNAVAILABLE');
    expect(events).toEqual(['toggle off', 'save failed']);
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(0);
  });

  it('a refused abort writes nothing', async () => {
    await applyAbort(store, rollout, { by: 'a', reason: null, now: NOW + 10, toggleFor: loggedToggles });
    events = [];
    const again = await applyAbort(store, rollout, {
      by: 'a',
      reason: null,
      now: NOW + 20,
      toggleFor: loggedToggles,
    });
    expect(again.accepted).toBe(false);
    expect(events).toEqual([]);
  });
});

describe('applyAbort retrySave (no controller keeps the abort: the CLI)', () => {
  it('retries the save on the monotonic clock until it lands, writing the toggle off only once', async () => {
    const full = { on: true };
    let t = 0;
    const slept: number[] = [];
    const result = await applyAbort(failingStore(store, full), rollout, {
      by: 'oncall',
      reason: null,
      now: NOW + 10,
      toggleFor: loggedToggles,
      retrySave: {
        windowMs: 5_000,
        pollMs: 1_000,
        clock: () => t,
        sleep: async (ms) => {
          slept.push(ms);
          t += ms;
          // the disk frees up after the second pause
          if (slept.length === 2) full.on = false;
        },
      },
    });
    expect(result.stateError).toBeNull();
    expect(result.summary.state).toBe('rolled_back');
    expect(slept).toEqual([1_000, 1_000]);
    expect(events.slice(0, 4)).toEqual(['toggle off', 'save failed', 'save failed', 'save']);
    expect(events.filter((e) => e === 'toggle off')).toHaveLength(1);
    expect((await store.load('r1'))?.intent).toBeNull();
  });

  it('gives up when the window ends, the toggle off and the failure named', async () => {
    let t = 0;
    const slept: number[] = [];
    const result = await applyAbort(failingStore(store, { on: true }), rollout, {
      by: 'oncall',
      reason: null,
      now: NOW + 10,
      toggleFor: loggedToggles,
      retrySave: {
        windowMs: 2_500,
        pollMs: 1_000,
        clock: () => t,
        sleep: async (ms) => {
          slept.push(ms);
          t += ms;
        },
      },
    });
    expect(result.stateError).toMatch(/ENOSPC/);
    expect(result.toggleOff).toBe(true);
    // the last pause is cut to what is left of the window
    expect(slept).toEqual([1_000, 1_000, 500]);
    expect(events.filter((e) => e === 'toggle off')).toHaveLength(1);
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(0);
  });
});

describe('operatorCommand', () => {
  it('passes a command other than abort to the usual command path, writing no toggle', async () => {
    const result = await operatorCommand(store, rollout, 'pause', {
      by: 'api',
      reason: null,
      now: NOW + 10,
      toggleFor: loggedToggles,
    });
    expect(result.accepted).toBe(true);
    expect(result.summary.state).toBe('paused');
    expect(events).toEqual([]);
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(5);
  });
});
