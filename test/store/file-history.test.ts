import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { historyEntry, parseCheckDetail } from '../../src/ports/history.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { DirSync } from '../../src/store/durable-fs.js';
import { flushPending, flushedCount, readHistory } from '../../src/store/file-history.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { captureLogger, record, removeDir } from './helpers.js';

/* The file store's commit protocol, from the states a SIGKILL leaves behind (file-store.ts, top). */

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeDir));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-fh-'));
  dirs.push(dir);
  return dir;
}

function check(at: number): HistoryEntry {
  return historyEntry({ type: 'check', at, stage: 'canary', percent: 2, detail: parseCheckDetail({}) });
}

const ats = (entries: readonly HistoryEntry[]): number[] => entries.map((e) => e.at);

describe('flushPending', () => {
  it('appends only the part of a batch not yet in the file, whatever was appended after it', async () => {
    const dir = await tempDir();
    const file = join(dir, 'h.jsonl');
    const sync = new DirSync(dir);
    const batch = { commit: '3-x', entries: [check(1), check(2), check(3)] };
    // a kill after the first line landed (one write is a prefix), then a torn line and a plain append
    await writeFile(
      file,
      `${JSON.stringify({ ...check(0), commit: ['2-y', 0] })}\n${JSON.stringify({ ...check(1), commit: ['3-x', 0] })}\n{"type":"che\n${JSON.stringify(check(9))}\n`,
    );
    expect(await flushedCount(file, batch)).toBe(1);
    await flushPending(file, batch, sync);
    const logger = captureLogger();
    expect(ats(await readHistory(file, undefined, logger.logger, () => undefined))).toEqual([0, 1, 9, 2, 3]);
    // the torn line was skipped with a warning, and a second flush appends nothing
    expect(logger.lines.map((l) => l.msg)).toEqual(['skipped unreadable history line']);
    expect(await flushedCount(file, batch)).toBe(3);
    await flushPending(file, batch, sync);
    expect(ats(await readHistory(file, undefined, logger.logger, () => undefined))).toEqual([0, 1, 9, 2, 3]);
  });

  it('takes a batch as not written when the newest tag is another save', async () => {
    const dir = await tempDir();
    const file = join(dir, 'h.jsonl');
    await writeFile(file, `${JSON.stringify({ ...check(0), commit: ['1-old', 0] })}\n`);
    expect(await flushedCount(file, { commit: '1-new', entries: [check(1)] })).toBe(0);
    expect(await flushedCount(join(dir, 'missing.jsonl'), { commit: '1-new', entries: [check(1)] })).toBe(0);
  });

  it('keeps the commit tag out of what readers get', async () => {
    const dir = await tempDir();
    const file = join(dir, 'h.jsonl');
    await flushPending(file, { commit: '1-a', entries: [check(1)] }, new DirSync(dir));
    expect(await readFile(file, 'utf8')).toContain('"commit":["1-a",0]');
    expect(await readHistory(file, undefined, captureLogger().logger, () => undefined)).toEqual([check(1)]);
  });
});

describe('file store after a kill between the record and its history', () => {
  /** the state a save killed right after its rename leaves: the batch in the record, not in the file */
  async function killedAfterRename(dir: string): Promise<FileStateStore> {
    const first = new FileStateStore({ dir });
    await first.save(record('alpha'), 0, { history: [check(1)] });
    await first.save(record('alpha'), 1, { history: [check(2), check(3)] });
    const history = first.historyFile('alpha');
    const lines = (await readFile(history, 'utf8')).trimEnd().split('\n');
    await writeFile(history, `${lines.slice(0, 1).join('\n')}\n`);
    return new FileStateStore({ dir });
  }

  it('a history read of another process appends the batch once', async () => {
    const dir = await tempDir();
    const restarted = await killedAfterRename(dir);
    expect(ats(await restarted.history('alpha'))).toEqual([1, 2, 3]);
    expect(ats(await restarted.history('alpha'))).toEqual([1, 2, 3]);
    expect(ats(await new FileStateStore({ dir }).history('alpha'))).toEqual([1, 2, 3]);
  });

  it('the next save appends it before its own batch, in commit order', async () => {
    const dir = await tempDir();
    const restarted = await killedAfterRename(dir);
    const current = await restarted.load('alpha');
    expect(current?.version).toBe(2);
    expect(current).not.toHaveProperty('pendingHistory');
    await restarted.save(record('alpha'), 2, { history: [check(4)] });
    expect(ats(await new FileStateStore({ dir }).history('alpha'))).toEqual([1, 2, 3, 4]);
  });
});
