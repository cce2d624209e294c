import { describe, expect, it } from 'vitest';
import { createStorePoll, noteVersionWith } from '../../src/controller/store-poll.js';
import { silentLogger } from '../../src/log.js';
import type { RolloutRecord } from '../../src/ports/state-store.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { record } from '../server/helpers.js';
import { twoStageRollout } from '../runtime/two-stage.js';

const rollout = twoStageRollout('polled');

async function storeWithIntent(): Promise<MemoryStateStore> {
  const store = new MemoryStateStore();
  const rec: RolloutRecord = {
    ...record('polled'),
    intent: { id: 'i1', action: 'disable', percent: 0, gate: 'percentage_of_actors', mode: 'zero', at: 0 },
  };
  await store.save(rec, 0);
  return store;
}

function poller(
  store: MemoryStateStore,
  events: string[],
  busy: boolean,
  lastSeen = new Map<string, number>(),
) {
  return createStorePoll({
    store,
    logger: silentLogger(),
    lastSeen,
    serializer: {
      busy: () => busy,
      run: async (_n, work) => {
        events.push('serialized');
        return work();
      },
    },
    gate: { acting: () => true, fenced: () => undefined },
    runner: {
      cancel: (n) => void events.push(`cancel ${n}`),
      applyPending: async (r) => {
        events.push(`apply ${r.name}`);
        return true;
      },
    },
    rollout: (n) => (n === 'polled' ? rollout : undefined),
    stopping: () => false,
  });
}

describe('createStorePoll', () => {
  it('a pending write with nothing running: applied through the serializer', async () => {
    const events: string[] = [];
    await poller(await storeWithIntent(), events, false).poll();
    await new Promise((r) => setTimeout(r, 0));
    expect(events).toEqual(['serialized', 'apply polled']);
  });

  it("an operator's write waiting behind a check: the check is cancelled first, then the write applied", async () => {
    const events: string[] = [];
    // this controller saw version 0: the stored version 1 is someone else's
    await poller(await storeWithIntent(), events, true, new Map([['polled', 0]])).poll();
    await new Promise((r) => setTimeout(r, 0));
    expect(events).toEqual(['cancel polled', 'serialized', 'apply polled']);
  });
});

describe('noteVersionWith', () => {
  it('remembers the newest version seen, never going back', () => {
    const seen = new Map<string, number>();
    const note = noteVersionWith(seen, silentLogger());
    note({ ...record('x'), version: 3 } as RolloutRecord);
    note({ ...record('x'), version: 2 } as RolloutRecord);
    expect(seen.get('x')).toBe(3);
  });
});
