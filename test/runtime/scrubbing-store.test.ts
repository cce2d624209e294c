import { afterEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { historyEntry } from '../../src/ports/history.js';
import type { HistoryEntry, StateStore } from '../../src/ports/state-store.js';
import { scrubbingStore } from '../../src/runtime/scrubbing-store.js';
import { REDACTED, registerSecret, resetSecretsForTests } from '../../src/secrets/scrubber.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { record } from '../store/helpers.js';

const SECRET = 'dd-key-0123456789abcdef';

afterEach(() => resetSecretsForTests());

function command(reason: string): HistoryEntry {
  return historyEntry({
    type: 'command',
    at: 1,
    command: 'pause',
    by: 'ops',
    reason,
    accepted: true,
    message: null,
  });
}

describe('scrubbingStore', () => {
  it('scrubs a record on save and a history entry on append', async () => {
    registerSecret(SECRET);
    const inner = new MemoryStateStore();
    const store = scrubbingStore(inner);
    const base = record('checkout');
    await store.save({ ...base, summary: { ...base.summary, reason: `403 for key ${SECRET}` } }, 0);
    await store.appendHistory('checkout', command(`pasted ${SECRET}`));

    const saved = await inner.load('checkout');
    expect(saved?.summary.reason).toBe(`403 for key ${REDACTED}`);
    const [entry] = await inner.history('checkout');
    expect(entry).toMatchObject({ type: 'command', reason: `pasted ${REDACTED}` });
  });

  it('scrubs the batch append of a store that offers one, in one call', async () => {
    registerSecret(SECRET);
    const batches: HistoryEntry[][] = [];
    const inner = Object.assign(new MemoryStateStore(), {
      appendHistoryEntries: async (_name: string, entries: readonly HistoryEntry[]) => {
        batches.push([...entries]);
      },
    });
    await (scrubbingStore(inner) as typeof inner).appendHistoryEntries('checkout', [
      command(SECRET),
      command('plain'),
    ]);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((e) => (e.type === 'command' ? e.reason : null))).toEqual([REDACTED, 'plain']);
  });

  it('refuses a record with a fractional epoch before it reaches the store', async () => {
    const inner = new MemoryStateStore();
    const store = scrubbingStore(inner);
    const err = await store
      .save(record('checkout', { updatedAt: 1_764_650_000_000.5 }), 0)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagegateError);
    expect(err).toMatchObject({ code: 'E_RECORD_INVALID', details: { field: 'updatedAt' } });
    expect(await inner.load('checkout')).toBeUndefined();
  });

  it('passes other members through, bound to the store', async () => {
    const inner = new MemoryStateStore();
    const store: StateStore = scrubbingStore(inner);
    await inner.save(record('b'), 0);
    await inner.save(record('a'), 0);
    expect((await store.list()).map((r) => r.name)).toEqual(['a', 'b']);
    // a conflict from the store comes through unchanged
    await expect(store.save(record('a'), 0)).rejects.toMatchObject({ code: 'E_STORE_CONFLICT' });
  });
});
