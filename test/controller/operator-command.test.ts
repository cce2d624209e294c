import { describe, expect, it } from 'vitest';
import { runOperatorCommand, type CommandContext } from '../../src/controller/operator-command.js';
import { StagegateError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { twoStageRollout } from '../runtime/two-stage.js';

const rollout = twoStageRollout('cmd');
const FEATURE = rollout.toggle.feature;

async function context(store: MemoryStateStore, events: string[]): Promise<CommandContext> {
  const toggles = new MemoryToggleProvider({ features: [FEATURE] });
  await toggles.setPercent(FEATURE, 5, 'percentage_of_actors');
  return {
    store,
    wiring: {
      // only the rollouts dir is read (the E_NOT_FOUND message)
      config: { rolloutsDir: 'rollouts' } as CommandContext['wiring']['config'],
      notify: () => undefined,
      toggleFor: () => {
        events.push('toggle');
        return toggles;
      },
    },
    logger: silentLogger(),
    now: () => Date.UTC(2026, 0, 5, 12),
    runner: {
      cancel: (n) => void events.push(`cancel ${n}`),
      applyPending: async () => {
        events.push('applyPending');
        return true;
      },
      keepAbort: async () => {
        events.push('keepAbort');
        return true;
      },
    },
    serializer: {
      run: async (n, work) => {
        events.push(`serialized ${n}`);
        return work();
      },
    },
    lastSeen: new Map(),
    rollout: (n) => (n === 'cmd' ? rollout : undefined),
  };
}

describe('runOperatorCommand', () => {
  it('an unknown rollout is E_NOT_FOUND', async () => {
    const ctx = await context(new MemoryStateStore(), []);
    await expect(runOperatorCommand(ctx, 'nope', 'pause', { by: 'a', reason: null })).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
    });
  });

  it('the check in flight is cancelled before the command is serialized; a pause writes no toggle', async () => {
    const events: string[] = [];
    const ctx = await context(new MemoryStateStore(), events);
    const result = await runOperatorCommand(ctx, 'cmd', 'pause', { by: 'a', reason: null });
    expect(result.accepted).toBe(true);
    expect(events).toEqual(['cancel cmd', 'serialized cmd']);
  });

  it('an abort whose save fails: toggle written first, then kept by the runner, then E_STORE_UNAVAILABLE', async () => {
    const events: string[] = [];
    const store = new MemoryStateStore();
    store.save = async () => {
      events.push('save failed');
      throw new StagegateError('E_STORE_UNAVAILABLE', 'disk full');
    };
    const ctx = await context(store, events);
    await expect(runOperatorCommand(ctx, 'cmd', 'abort', { by: 'a', reason: null })).rejects.toMatchObject({
      code: 'E_STORE_UNAVAILABLE',
      message: expect.stringMatching(/the save is retried until it lands$/),
    });
    expect(events.indexOf('toggle')).toBeLessThan(events.indexOf('save failed'));
    expect(events.at(-1)).toBe('keepAbort');
  });
});
