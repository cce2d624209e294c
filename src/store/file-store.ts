import { checkRecord } from '../ports/record-schema.js';
import { link, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StagegateError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type {
  HistoryEntry,
  HistoryPage,
  RolloutRecord,
  SaveOptions,
  StateStore,
  StoreHealth,
  StoreProblem,
  StoreScan,
} from '../ports/state-store.js';
import { NAME_PATTERN } from '../rollout/schema.js';
import { DirSync, appendLinesDurable, ensureDir, errnoCode, replaceFileDurable } from './durable-fs.js';
import { commitId, flushPending, readHistory, type PendingHistory } from './file-history.js';
import { RecordFiles, withoutPending } from './record-file.js';
import { withRecordLock } from './record-lock.js';
import { assertRolloutName } from './rollout-name.js';
import { WriteHealth, checkExpectedVersion, conflictError, problemOf, storeIoError } from './store-errors.js';

/*
 * File state store (DESIGN.md §5). Layout under `dir`:
 *
 *   rollouts/<name>.json        the current record
 *   rollouts/<name>.prev.json   the record it replaced (a hard link, no copy)
 *   history/<name>.jsonl        append-only, one JSON entry per line
 *   locks/<name>.lock           exists only during a save (record-lock.ts)
 *   controller.lock             one controller per dir (state-lock.ts)
 *
 * A save is read-compare-write under the per-record lock: without it, the
 * controller and an operator's CLI command could both read version 6 and both
 * write a version 7. Why a lock file and not something lock-free: the write
 * itself must replace the file (rename), which cannot compare, and a
 * link()-per-version scheme needs old versions pruned, which reopens the race
 * for a writer that is far enough behind. The lock is held for one write, and a
 * lock left by a killed writer is broken as soon as that is known (see
 * record-lock.ts). The write is a temp file, fdatasync, rename (durable-fs.ts)
 * followed by an fsync of the directory, so a saved record survives a crash.
 *
 * Cost, because a controller saves twice per check of every rollout: the
 * directories are created once per store, not checked on every call; the
 * directory fsync is shared by the saves in flight (DirSync); and the record
 * read back under the lock is compared as text with the one this store last
 * read or wrote, so the usual case (no one else wrote) skips decoding it.
 * Several history entries of one check go in one append.
 *
 * A save with history (SaveOptions, issue 14) commits the record and its
 * entries together although they live in two files:
 *
 *   1. under the record lock, the stored record's `pendingHistory` (the batch
 *      its save committed) is flushed first if this store has not seen it
 *      land (file-history.ts finds how much of it is in the file by its tag);
 *   2. the new record is written, carrying the new batch as `pendingHistory`
 *      with a fresh commit id: the rename is the commit point;
 *   3. the batch is appended, each line tagged [commit id, index].
 *
 * A kill before 2 commits nothing; after 2 the batch is in the record, and the
 * next save or history read (step 1, also under the lock) appends what is
 * missing of it, never a line twice. `load` never returns `pendingHistory`.
 * After such a kill the flushed entries land after any plain appends made in
 * between (a later toggle-intent): complete, and in causal order otherwise.
 */

export interface FileStateStoreOptions {
  readonly dir: string;
  /** warnings about skipped history lines and broken locks go here */
  readonly logger?: Logger;
  /** a record lock older than this is taken as left by a dead writer (default 10 s) */
  readonly lockStaleMs?: number;
  /** how long a save waits for another writer's record lock (default 15 s) */
  readonly lockWaitMs?: number;
}

export class FileStateStore implements StateStore {
  readonly dir: string;
  private readonly logger: Logger;
  private readonly lockStaleMs: number;
  private readonly lockWaitMs: number;
  private readonly rolloutsSync: DirSync;
  private readonly historySync: DirSync;
  /** the store's directories, created (and their entries fsynced) once; reset when one turns out missing */
  private dirs: Promise<void> | undefined;
  private readonly records: RecordFiles;
  private readonly writes = new WriteHealth();
  private tempSeq = 0;
  /** bytes read from history files by paged reads (the proof that a page costs its own size) */
  historyBytesRead = 0;

  constructor(opts: FileStateStoreOptions) {
    this.dir = resolve(opts.dir);
    this.logger = opts.logger ?? silentLogger();
    this.lockStaleMs = opts.lockStaleMs ?? 10_000;
    this.lockWaitMs = opts.lockWaitMs ?? 15_000;
    this.rolloutsSync = new DirSync(join(this.dir, 'rollouts'));
    this.historySync = new DirSync(join(this.dir, 'history'));
    this.records = new RecordFiles((name) => this.recordFile(name));
  }

  recordFile(name: string): string {
    return join(this.dir, 'rollouts', `${name}.json`);
  }

  previousFile(name: string): string {
    return join(this.dir, 'rollouts', `${name}.prev.json`);
  }

  historyFile(name: string): string {
    return join(this.dir, 'history', `${name}.jsonl`);
  }

  lockFile(name: string): string {
    return join(this.dir, 'locks', `${name}.lock`);
  }

  async load(name: string): Promise<RolloutRecord | undefined> {
    assertRolloutName(name);
    return this.records.read(name);
  }

  async save(record: RolloutRecord, expectedVersion: number, opts: SaveOptions = {}): Promise<RolloutRecord> {
    const name = record.name;
    assertRolloutName(name);
    checkRecord(record);
    checkExpectedVersion(expectedVersion);
    const file = this.recordFile(name);
    try {
      await this.ensureDirs();
      const result = await this.underLock(name, async () => {
        const stored = await this.records.stored(name);
        if (stored.version !== expectedVersion) throw conflictError(name, expectedVersion, stored.version);
        // the batch the replaced record committed must be in the file before the record is gone
        if (stored.pending !== null && !stored.flushed) await this.flush(name, stored.pending);
        const saved: RolloutRecord = { ...withoutPending(record), version: expectedVersion + 1 };
        const entries = opts.history ?? [];
        const pending = entries.length > 0 ? { commit: commitId(saved.version), entries } : null;
        const text = `${JSON.stringify(pending ? { ...saved, pendingHistory: pending } : saved, null, 2)}\n`;
        if (stored.version > 0) {
          // the replaced version stays readable as <name>.prev.json: the way back from a bad record
          const previous = this.previousFile(name);
          await unlink(previous).catch(ignoreMissing);
          await link(file, previous);
        }
        // one temp name per save in flight: the record lock keeps other saves of this record out
        await replaceFileDurable(file, `${file}.${process.pid}-${++this.tempSeq}.tmp`, text);
        await this.rolloutsSync.sync();
        this.records.wrote(name, text, saved.version, pending);
        // committed: a failing append from here on is finished by the next save or history read
        if (pending) await this.flush(name, pending).catch((err: unknown) => this.flushFailed(name, err));
        return saved;
      });
      this.writes.succeeded();
      return result;
    } catch (err) {
      throw this.writeFailed(err, file);
    }
  }

  async appendHistory(name: string, entry: HistoryEntry): Promise<void> {
    return this.appendHistoryEntries(name, [entry]);
  }

  /** Several entries in one durable append (one write, one fdatasync), in order; see appendLinesDurable. */
  async appendHistoryEntries(name: string, entries: readonly HistoryEntry[]): Promise<void> {
    assertRolloutName(name);
    const file = this.historyFile(name);
    try {
      await this.ensureDirs();
      // JSON.stringify escapes newlines inside strings: one entry is always one line
      await appendLinesDurable(
        file,
        entries.map((e) => JSON.stringify(e)),
        this.historySync,
      );
      this.writes.succeeded();
    } catch (err) {
      throw this.writeFailed(err, file, 'append to');
    }
  }

  /** whether writes are getting through (a full or read-only disk makes it fail until one succeeds) */
  health(): StoreHealth {
    return this.writes.get();
  }

  private writeFailed(err: unknown, file: string, action = 'write'): StagegateError {
    this.forgetDirsIfMissing(err);
    // a conflict, a held lock or a corrupt record stays what it is; a system error gets typed by its errno
    const typed = err instanceof StagegateError ? err : storeIoError(action, file, err);
    this.writes.failed(typed);
    return typed;
  }

  /** the whole history, or a page from the end (file-history.ts); a committed batch not yet appended first */
  async history(name: string, page?: HistoryPage): Promise<HistoryEntry[]> {
    assertRolloutName(name);
    await this.settle(name);
    return readHistory(this.historyFile(name), page, this.logger, (n) => {
      this.historyBytesRead += n;
    });
  }

  /**
   * A save killed between its record and its history append left the batch in
   * the record: append the rest now. Best effort: the history is read anyway.
   */
  private async settle(name: string): Promise<void> {
    try {
      const seen = await this.records.stored(name);
      if (seen.pending === null || seen.flushed) return;
      await this.ensureDirs();
      await this.underLock(name, async () => {
        const stored = await this.records.stored(name);
        if (stored.pending !== null && !stored.flushed) await this.flush(name, stored.pending);
      });
    } catch (err) {
      this.flushFailed(name, err);
    }
  }

  private async flush(name: string, pending: PendingHistory): Promise<void> {
    await flushPending(this.historyFile(name), pending, this.historySync);
    this.records.flushed(name, pending.commit);
  }

  private flushFailed(name: string, err: unknown): void {
    const typed =
      err instanceof StagegateError ? err : storeIoError('append to', this.historyFile(name), err);
    this.writes.failed(typed);
    this.logger.warn({ rollout: name, error: typed.message }, 'committed history not appended yet');
  }

  private underLock<T>(name: string, critical: () => Promise<T>): Promise<T> {
    const lockOpts = { staleMs: this.lockStaleMs, waitMs: this.lockWaitMs, logger: this.logger };
    return withRecordLock(this.lockFile(name), name, lockOpts, critical);
  }

  /** every readable record: one truncated or hand-broken file must not hide all the others */
  async list(): Promise<RolloutRecord[]> {
    return (await this.scan()).records;
  }

  /** list() plus one problem per record that cannot be read (E_STORE_CORRUPT with its path) */
  async scan(): Promise<StoreScan> {
    const root = join(this.dir, 'rollouts');
    let files: string[];
    try {
      files = await readdir(root);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return { records: [], problems: [] };
      throw storeIoError('read', root, err);
    }
    // `<name>.json` only: not `.prev.json` (a dot is not allowed in names) nor temp files (`<name>.json.<pid>-<n>.tmp`)
    const names = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    const records: RolloutRecord[] = [];
    const problems: StoreProblem[] = [];
    await Promise.all(
      names
        .filter((n) => NAME_PATTERN.test(n))
        .map(async (name) => {
          try {
            const rec = await this.records.read(name);
            if (rec) records.push(rec);
          } catch (err) {
            problems.push(problemOf(name, this.recordFile(name), err));
          }
        }),
    );
    records.sort((a, b) => a.name.localeCompare(b.name));
    problems.sort((a, b) => a.name.localeCompare(b.name));
    return { records, problems };
  }

  private ensureDirs(): Promise<void> {
    this.dirs ??= (async () => {
      for (const sub of ['rollouts', 'locks', 'history']) await ensureDir(join(this.dir, sub));
    })().catch((err: unknown) => {
      this.dirs = undefined;
      throw err;
    });
    return this.dirs;
  }

  /** someone removed a directory under us (a cleanup by hand): create it again on the next call */
  private forgetDirsIfMissing(err: unknown): void {
    const cause = err instanceof StagegateError && err.cause !== undefined ? err.cause : err;
    if (errnoCode(cause) === 'ENOENT') this.dirs = undefined;
  }
}

function ignoreMissing(err: unknown): void {
  if (errnoCode(err) !== 'ENOENT') throw err;
}
