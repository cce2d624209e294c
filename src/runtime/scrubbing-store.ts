import { checkRecord } from '../ports/record-schema.js';
import type { HistoryEntry, RolloutRecord, SaveOptions, StateStore } from '../ports/state-store.js';
import { scrubDeep } from '../secrets/scrubber.js';

/*
 * What the runtime writes down is scrubbed on the way in (issue 11, secrets):
 * records (a summary's reason may quote a provider) and every history entry,
 * whichever module built it. scrubDeep returns the same object when there is
 * nothing to scrub, so the common case costs a walk and no copy.
 * A record that would not load back (a fractional epoch) is refused here with
 * E_RECORD_INVALID naming the field: the bug is loud at the save, not a
 * record that later loads as corrupt and leaves its rollout unwatched.
 */

export function scrubbingStore(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'save') {
        // async: a refusal is a rejected promise, like every other save failure;
        // the entries committed with the record (SaveOptions.history) are history too
        return async (record: RolloutRecord, expectedVersion: number, opts?: SaveOptions) => {
          checkRecord(record);
          return target.save(scrubDeep(record), expectedVersion, opts && scrubDeep(opts));
        };
      }
      if (prop === 'appendHistory') {
        return (name: string, entry: HistoryEntry) => target.appendHistory(name, scrubDeep(entry));
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'appendHistoryEntries' && typeof value === 'function') {
        // the file store's batch append (ports/history-append.ts): one write for many entries
        return (name: string, entries: readonly HistoryEntry[]) =>
          (value as (n: string, e: readonly HistoryEntry[]) => Promise<void>).call(
            target,
            name,
            scrubDeep(entries),
          );
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
