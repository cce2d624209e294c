import { checkExpectedVersion, conflictError } from './store-errors.js';
import { checkRecord } from '../ports/record-schema.js';
import type {
  HistoryEntry,
  HistoryPage,
  RolloutRecord,
  SaveOptions,
  StateStore,
} from '../ports/state-store.js';
import { decodeHistoryLine } from './record-codec.js';
import { assertRolloutName } from './rollout-name.js';

/*
 * In-memory state store for `simulate` and tests, with the file store's
 * semantics: versions and conflicts, append order, name checks. Everything is
 * copied through JSON on the way in and out, so a caller mutating what it got
 * cannot change stored state, and values come back as the file store would
 * return them (undefined fields dropped).
 */
export class MemoryStateStore implements StateStore {
  private readonly records = new Map<string, string>();
  private readonly histories = new Map<string, string[]>();

  async load(name: string): Promise<RolloutRecord | undefined> {
    assertRolloutName(name);
    const json = this.records.get(name);
    return json === undefined ? undefined : (JSON.parse(json) as RolloutRecord);
  }

  async save(record: RolloutRecord, expectedVersion: number, opts: SaveOptions = {}): Promise<RolloutRecord> {
    assertRolloutName(record.name);
    checkRecord(record);
    checkExpectedVersion(expectedVersion);
    // read, compare and write with no await in between: that is the atomicity here
    const current = this.records.get(record.name);
    const stored = current === undefined ? 0 : (JSON.parse(current) as RolloutRecord).version;
    if (stored !== expectedVersion) throw conflictError(record.name, expectedVersion, stored);
    const json = JSON.stringify({ ...record, version: expectedVersion + 1 });
    this.records.set(record.name, json);
    // still no await since the compare: the record and its entries land together
    const lines = this.histories.get(record.name) ?? [];
    for (const entry of opts.history ?? []) lines.push(JSON.stringify(entry));
    this.histories.set(record.name, lines);
    return JSON.parse(json) as RolloutRecord;
  }

  async appendHistory(name: string, entry: HistoryEntry): Promise<void> {
    assertRolloutName(name);
    const lines = this.histories.get(name) ?? [];
    lines.push(JSON.stringify(entry));
    this.histories.set(name, lines);
  }

  async history(name: string, page: HistoryPage = {}): Promise<HistoryEntry[]> {
    assertRolloutName(name);
    const lines = this.histories.get(name) ?? [];
    // the same page as the file store: skip the `before` newest, then the `limit` before them
    const end = lines.length - Math.min(page.before ?? 0, lines.length);
    const start = page.limit === undefined ? 0 : Math.max(0, end - page.limit);
    // the same codec as the file store: readers see entries exactly as they would from disk
    return lines.slice(start, end).flatMap((line) => {
      const decoded = decodeHistoryLine(line);
      return decoded.ok ? [decoded.value] : [];
    });
  }

  async list(): Promise<RolloutRecord[]> {
    return [...this.records.values()]
      .map((json) => JSON.parse(json) as RolloutRecord)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
