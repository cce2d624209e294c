import type { HistoryEntry, StateStore } from './state-store.js';

/*
 * Several history entries of one check (the check, its transitions) appended
 * in one go. The file store does that in one write and one fdatasync instead of
 * one each; a store without the capability (the memory store, a wrapper, a
 * future backend) gets them one by one, in order, through the port's
 * appendHistory.
 */

/** what the file store offers beyond the StateStore port */
export interface HistoryBatchAppender {
  appendHistoryEntries(name: string, entries: readonly HistoryEntry[]): Promise<void>;
}

export function canAppendBatch(store: StateStore): store is StateStore & HistoryBatchAppender {
  return 'appendHistoryEntries' in store && typeof store.appendHistoryEntries === 'function';
}

export async function appendHistoryEntries(
  store: StateStore,
  name: string,
  entries: readonly HistoryEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  if (entries.length > 1 && canAppendBatch(store)) return store.appendHistoryEntries(name, entries);
  for (const entry of entries) await store.appendHistory(name, entry);
}
