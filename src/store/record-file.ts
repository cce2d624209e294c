import type { HistoryEntry, RolloutRecord } from '../ports/state-store.js';
import { errnoCode, readTextFile } from './durable-fs.js';
import type { PendingHistory } from './file-history.js';
import { decodeRecord } from './record-codec.js';
import { corruptRecord, storeIoError } from './store-errors.js';

/*
 * Reading the file store's record files (rollouts/<name>.json), with what the
 * store last read or wrote of each. A save compares the text it reads back
 * under the lock with the remembered one, so the usual case (no one else
 * wrote) skips decoding it; and the remembered entry says whether the batch
 * the record committed (`pendingHistory`, file-store.ts) is known to be in
 * the history file.
 */

/** a record as this store last read or wrote it */
export interface KnownRecord {
  readonly text: string;
  readonly version: number;
  /** the batch its save committed (null: none) */
  readonly pending: PendingHistory | null;
  /** whether this store saw that batch land in the history file */
  readonly flushed: boolean;
}

export type StoredRecord = Omit<KnownRecord, 'text'>;

/** the record as callers see it: the commit bookkeeping stays in the file */
export function withoutPending(record: RolloutRecord): RolloutRecord {
  if (!('pendingHistory' in record)) return record;
  const { pendingHistory: _pending, ...rest } = record as RolloutRecord & { pendingHistory: unknown };
  return rest;
}

export function pendingOf(record: RolloutRecord): PendingHistory | null {
  const raw = (record as { pendingHistory?: unknown }).pendingHistory;
  if (typeof raw !== 'object' || raw === null) return null;
  const { commit, entries } = raw as { commit?: unknown; entries?: unknown };
  return typeof commit === 'string' && Array.isArray(entries)
    ? { commit, entries: entries as HistoryEntry[] }
    : null;
}

export class RecordFiles {
  private readonly known = new Map<string, KnownRecord>();

  constructor(private readonly fileOf: (name: string) => string) {}

  /** the record (E_STORE_CORRUPT when it cannot be decoded), undefined when there is none */
  async read(name: string): Promise<RolloutRecord | undefined> {
    const text = await this.readText(name);
    if (text === undefined) return undefined;
    const record = this.decode(name, text);
    if (this.known.get(name)?.text !== text) this.remember(name, text, record);
    return withoutPending(record);
  }

  /** The stored record's version and batch, for a save under the record lock: decoded only when the text is new. */
  async stored(name: string): Promise<StoredRecord> {
    const text = await this.readText(name);
    if (text === undefined) return { version: 0, pending: null, flushed: true };
    const known = this.known.get(name);
    if (known?.text === text) return known;
    return this.remember(name, text, this.decode(name, text));
  }

  /** what this store just wrote: its batch is not in the history file yet */
  wrote(name: string, text: string, version: number, pending: PendingHistory | null): void {
    this.known.set(name, { text, version, pending, flushed: pending === null });
  }

  /** the batch `commit` is in the history file */
  flushed(name: string, commit: string): void {
    const known = this.known.get(name);
    if (known?.pending?.commit === commit) this.known.set(name, { ...known, flushed: true });
  }

  /** a record another process wrote: whether its batch landed is not known until looked up */
  private remember(name: string, text: string, record: RolloutRecord): KnownRecord {
    const pending = pendingOf(record);
    const known = { text, version: record.version, pending, flushed: pending === null };
    this.known.set(name, known);
    return known;
  }

  private async readText(name: string): Promise<string | undefined> {
    const file = this.fileOf(name);
    try {
      return await readTextFile(file);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw storeIoError('read', file, err);
      this.known.delete(name);
      return undefined;
    }
  }

  private decode(name: string, text: string): RolloutRecord {
    const file = this.fileOf(name);
    const decoded = decodeRecord(text);
    if (!decoded.ok) throw corruptRecord(name, file, decoded.problem);
    if (decoded.value.name !== name) {
      throw corruptRecord(name, file, `it names rollout ${JSON.stringify(decoded.value.name)}`);
    }
    return decoded.value;
  }
}
