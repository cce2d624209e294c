import { describe, expect, it } from 'vitest';
import { openReplication } from '../../src/compose/leadership-wiring.js';
import type { Wiring } from '../../src/controller/wiring.js';
import { silentLogger } from '../../src/log.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { FencedStore } from '../../src/store/fencing/fenced-store.js';
import { FencedToggleProvider } from '../../src/store/fencing/fenced-toggle.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { record } from '../store/helpers.js';

/* What `stagegate run` runs with, per store type (postgres: test/e2e/failover.test.ts spawns it for real). */

function wiring(state: { type: 'memory' } | { type: 'file'; dir: string }, stateDir?: string): Wiring {
  const toggle = new MemoryToggleProvider({ features: ['f'] });
  return {
    config: { state },
    store: new MemoryStateStore(),
    stateDir,
    toggleFor: () => toggle,
  } as unknown as Wiring;
}

describe('openReplication', () => {
  it('runs a memory store as its sole leader, with the wiring unchanged', async () => {
    const w = wiring({ type: 'memory' });
    const repl = await openReplication(w, silentLogger());
    expect(repl.wiring).toBe(w);
    expect(repl.queue).toBeUndefined();
    expect(repl.leadership.isLeader()).toBe(true);
    expect(repl.leadership.fence()).toMatchObject({ epoch: 0 });
    await repl.close();
  });

  it('fences a file store by its state-dir lock: no save and no exposure-raising write before the lock is held', async () => {
    const w = wiring({ type: 'file', dir: '/unused' }, '/unused');
    const repl = await openReplication(w, silentLogger());
    expect(repl.wiring.store).toBeInstanceOf(FencedStore);
    const toggle = repl.wiring.toggleFor('memory');
    // one fenced provider per inner provider, not one per call
    expect(toggle).toBeInstanceOf(FencedToggleProvider);
    expect(repl.wiring.toggleFor('memory')).toBe(toggle);
    expect(repl.onLocked).toBeTypeOf('function');
    // the lock is not attached yet: not the leader
    await expect(repl.wiring.store.save(record('alpha'), 0)).rejects.toMatchObject({ code: 'E_FENCED' });
    await expect(toggle.setPercent('f', 5, 'percentage_of_actors')).rejects.toMatchObject({
      code: 'E_FENCED',
    });
    // toward off is never fenced
    await expect(toggle.setPercent('f', 0, 'percentage_of_actors')).resolves.toMatchObject({
      percentageOfActors: 0,
    });
    expect(await w.store.load('alpha')).toBeUndefined();
    await repl.close();
  });
});
