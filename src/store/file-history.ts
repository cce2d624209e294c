import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { HistoryEntry, HistoryPage } from '../ports/state-store.js';
import { appendLinesDurable, errnoCode, readTextFile, type DirSync } from './durable-fs.js';
import { readTailLines } from './history-tail.js';
import { decodeHistoryLine } from './record-codec.js';
import { storeIoError } from './store-errors.js';

/*
 * The history file of one rollout (history/<name>.jsonl): reading it, whole or
 * a page from the end, and the commit half of a save with history (the
 * protocol is described at the top of file-store.ts).
 *
 * A line appended for a commit carries `"commit": [id, index]`: the id of the
 * save that committed it (unique per save, not the version: a recreated record
 * starts again at version 1) and its place in that batch. The history
 * codec drops the key (it is not part of any entry), so readers never see it;
 * only `flushedCount` reads it, to tell how much of a batch already landed.
 */

/** the batch a record carries until its entries are in the history file */
export interface PendingHistory {
  /** unique per save (commitId) */
  readonly commit: string;
  readonly entries: readonly HistoryEntry[];
}

/** how far back `flushedCount` looks for a commit tag before taking the batch as not written (lines) */
const SCAN_PAGE = 64;

/** a fresh commit id: the record version for people reading the file, a random part for uniqueness */
export function commitId(version: number): string {
  return `${version}-${randomUUID()}`;
}

function commitTag(line: string): readonly [string, number] | undefined {
  if (!line.includes('"commit"')) return undefined;
  try {
    const tag = (JSON.parse(line) as { commit?: unknown }).commit;
    if (Array.isArray(tag) && typeof tag[0] === 'string' && Number.isInteger(tag[1]))
      return [tag[0], tag[1] as number];
  } catch {
    // a torn line: not a tag, and not one of the batch's complete lines either
  }
  return undefined;
}

/**
 * How many entries of `pending` the history file already holds. The newest
 * tagged line decides: every batch is appended after the older ones, so a tag
 * of another save means none of this batch landed, and this save's tag
 * with index i means i + 1 did (one write, so a prefix).
 */
export async function flushedCount(file: string, pending: PendingHistory): Promise<number> {
  for (let skip = 0; ; skip += SCAN_PAGE) {
    let page;
    try {
      page = await readTailLines(file, skip, SCAN_PAGE);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return 0;
      throw err;
    }
    for (let i = page.lines.length - 1; i >= 0; i--) {
      const tag = commitTag(page.lines[i] ?? '');
      if (tag === undefined) continue;
      return tag[0] === pending.commit ? Math.min(tag[1] + 1, pending.entries.length) : 0;
    }
    if (!page.more) return 0;
  }
}

/** the entries of `pending` not yet in the file, appended in one durable write, tagged */
export async function flushPending(file: string, pending: PendingHistory, dirSync: DirSync): Promise<void> {
  if (pending.entries.length === 0) return;
  const done = await flushedCount(file, pending);
  const lines = pending.entries
    .map((entry, index) => ({ entry, index }))
    .slice(done)
    .map(({ entry, index }) => JSON.stringify({ ...entry, commit: [pending.commit, index] }));
  await appendLinesDurable(file, lines, dirSync);
}

/**
 * The whole history, or with `page` the newest entries read backwards from
 * the end (history-tail.ts): a page costs its own bytes, not the file's.
 * Paging counts lines, so a torn line skipped here still counts as one.
 */
export async function readHistory(
  file: string,
  page: HistoryPage | undefined,
  logger: Logger,
  countBytes: (n: number) => void,
): Promise<HistoryEntry[]> {
  let lines: string[];
  try {
    if (page === undefined || (page.before === undefined && page.limit === undefined)) {
      lines = (await readTextFile(file)).split('\n');
    } else {
      const tail = await readTailLines(file, page.before ?? 0, page.limit ?? Infinity);
      countBytes(tail.bytesRead);
      lines = tail.lines;
    }
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw storeIoError('read', file, err);
  }
  const entries: HistoryEntry[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const decoded = decodeHistoryLine(line);
    if (decoded.ok) entries.push(decoded.value);
    // A crash mid-append leaves a partial last line; the rest of the history is intact.
    else
      logger.warn(
        // a line number only when the whole file was read: a page does not know where it starts
        { file, ...(page === undefined ? { line: index + 1 } : {}), problem: decoded.problem },
        'skipped unreadable history line',
      );
  });
  return entries;
}
