import { beforeEach, describe, expect, it } from 'vitest';
import { applyOperatorCommand } from '../../src/runtime/commands.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import type { HistoryEntry, RolloutRecord, SaveOptions } from '../../src/ports/state-store.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { fakeSession } from './fake-session.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

const rollout = parseRolloutText(rolloutYaml({ name: 'r1' }), 'rollouts/r1.yaml');
const NOW = 1_750_000_000_000;
let store: MemoryStateStore;

beforeEach(() => {
  store = new MemoryStateStore();
});

describe('applyOperatorCommand', () => {
  it('commits the command entry and what it caused in the same save as the record (a kill loses none)', async () => {
    const saves: { state: string; entries: string[] }[] = [];
    const appended: string[] = [];
    const watched = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'save')
          return (rec: RolloutRecord, v: number, opts?: SaveOptions) => {
            saves.push({ state: rec.summary.state, entries: (opts?.history ?? []).map((e) => e.type) });
            return target.save(rec, v, opts);
          };
        if (prop === 'appendHistory')
          return (name: string, e: HistoryEntry) => {
            appended.push(e.type);
            return target.appendHistory(name, e);
          };
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const result = await applyOperatorCommand(watched, rollout, 'pause', {
      by: 'oncall',
      reason: 'x',
      now: NOW,
    });
    expect(result.accepted).toBe(true);
    expect(saves).toEqual([{ state: 'paused', entries: ['command', 'transition'] }]);
    expect(appended).toEqual([]);
    const history = await store.history('r1');
    expect(history.map((e) => e.type)).toEqual(['command', 'transition']);
    expect(history[0]).toMatchObject({ type: 'command', accepted: true, message: result.message });
  });

  it("notifies the rollout's notifiers of what an accepted command changed, after saving it", async () => {
    const notified = parseRolloutText(
      rolloutYaml({ name: 'r2', extra: 'notify: [hook, slack]\n' }),
      'rollouts/r2.yaml',
    );
    const sent: { names: readonly string[]; event: RolloutEvent; saved: string | undefined }[] = [];
    const notify = (names: readonly string[], event: RolloutEvent): void => {
      // recorded synchronously: the state it reports must already be in the store
      void store.load('r2').then((rec) => sent.push({ names, event, saved: rec?.summary.state }));
    };
    await applyOperatorCommand(store, notified, 'pause', {
      by: 'oncall',
      reason: 'dashboards',
      now: NOW,
      notify,
    });
    // a refused command changes nothing and notifies nobody
    await applyOperatorCommand(store, notified, 'pause', {
      by: 'oncall',
      reason: null,
      now: NOW + 1,
      notify,
    });
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([
      {
        names: ['hook', 'slack'],
        saved: 'paused',
        event: {
          type: 'paused',
          rollout: 'r2',
          feature: 'r2_enabled',
          stage: null,
          percent: 0,
          at: NOW,
          reason: 'paused by oncall: dashboards',
          readings: [],
        },
      },
    ]);
  });

  it('applies an accepted command through the store and records who and why', async () => {
    const result = await applyOperatorCommand(store, rollout, 'pause', {
      by: 'oncall-a',
      reason: 'contact center spike',
      now: NOW,
      openSession: fakeSession,
    });
    expect(result.accepted).toBe(true);
    expect(result.message).toBe('pause accepted for r1; now paused');
    expect(result.summary.state).toBe('paused');
    expect((await store.load('r1'))?.summary.state).toBe('paused');
    expect(await store.history('r1')).toEqual([
      {
        v: 1,
        type: 'command',
        at: NOW,
        command: 'pause',
        by: 'oncall-a',
        reason: 'contact center spike',
        accepted: true,
        message: 'pause accepted for r1; now paused',
      },
      {
        v: 1,
        type: 'transition',
        at: NOW,
        from: 'running',
        to: 'paused',
        stage: '-1',
        percent: 0,
        reason: 'contact center spike',
      },
    ]);
  });

  it('refuses what makes no sense, says why, changes nothing and still records it', async () => {
    await applyOperatorCommand(store, rollout, 'pause', {
      by: 'a',
      reason: null,
      now: NOW,
      openSession: fakeSession,
    });
    const before = await store.load('r1');
    const result = await applyOperatorCommand(store, rollout, 'pause', {
      by: 'b',
      reason: null,
      now: NOW + 1,
      openSession: fakeSession,
    });
    expect(result).toMatchObject({
      accepted: false,
      message: 'pause refused for r1: cannot pause when paused',
    });
    expect((await store.load('r1'))?.version).toBe(before?.version);
    expect((await store.history('r1')).at(-1)).toEqual({
      v: 1,
      type: 'command',
      at: NOW + 1,
      command: 'pause',
      by: 'b',
      reason: null,
      accepted: false,
      message: 'pause refused for r1: cannot pause when paused',
    });
  });

  it('redoes the command on the new version when the controller saved meanwhile', async () => {
    const real = store.save.bind(store);
    let raced = false;
    store.save = async (rec: RolloutRecord, v: number) => {
      if (!raced) {
        raced = true;
        const s = fakeSession(rollout, undefined);
        s.tick({ now: 1, measurements: {}, toggle: null });
        await real(
          {
            name: 'r1',
            version: 0,
            specHash: 'h',
            snapshot: s.persisted(),
            intent: s.intent(),
            summary: s.summary(),
            updatedAt: 1,
          },
          0,
        );
      }
      return real(rec, v);
    };
    const result = await applyOperatorCommand(store, rollout, 'pause', {
      by: 'a',
      reason: null,
      now: NOW,
      openSession: fakeSession,
    });
    expect(result.accepted).toBe(true);
    const rec = await store.load('r1');
    expect(rec?.version).toBe(2);
    // the controller's pending write survived the command
    expect(rec?.intent?.percent).toBe(5);
    expect(result.message).toBe(
      'pause accepted for r1; now paused; toggle write pending: applied by the controller when it next polls the state',
    );
  });
});

describe('what a command with a pending toggle write promises', () => {
  it.each([
    [true, 'a running controller applies it within a second'],
    [false, 'no controller is running, it is applied when `stagegate run` starts'],
  ])('controller running: %s → "%s"', async (controllerRunning, promise) => {
    // the real engine: an abort of a running rollout leaves a disable intent
    await applyOperatorCommand(store, rollout, 'promote', {
      by: 'a',
      reason: null,
      now: NOW,
      controllerRunning,
    });
    const result = await applyOperatorCommand(store, rollout, 'abort', {
      by: 'a',
      reason: null,
      now: NOW + 1,
      controllerRunning,
    });
    expect(result.record?.intent).not.toBeNull();
    expect(result.message).toContain(`toggle write pending: ${promise}`);
  });

  it('keeps the spec the controller last checked in the record (for a typo in the file later)', async () => {
    await applyOperatorCommand(store, rollout, 'pause', { by: 'a', reason: null, now: NOW });
    expect((await store.load('r1'))?.spec).toEqual(JSON.parse(JSON.stringify(rollout)));
  });
});
