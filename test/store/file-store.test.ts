import { historyEntry, parseCheckDetail } from '../../src/ports/history.js';
import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rename, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { captureLogger, record, removeDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-file-store-'));
});
afterEach(async () => {
  await removeDir(dir);
});

function check(at: number): HistoryEntry {
  return historyEntry({ type: 'check', at, stage: 'canary', percent: 2, detail: parseCheckDetail({}) });
}

/** the pid of a process that has exited */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not spawn');
  return child.pid;
}

async function rejection(promise: Promise<unknown>): Promise<StagegateError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof StagegateError)) throw new Error(`expected a StagegateError, got ${String(err)}`);
  return err;
}

describe('file state store layout', () => {
  it('writes pretty JSON records, keeps the replaced one as .prev.json, and a JSONL history', async () => {
    const store = new FileStateStore({ dir });
    await store.save(record('alpha', { specHash: 'one' }), 0);
    await store.save(record('alpha', { specHash: 'two' }), 1);
    await store.appendHistory('alpha', check(1));
    await store.appendHistory('alpha', check(2));
    expect((await readdir(join(dir, 'rollouts'))).sort()).toEqual(['alpha.json', 'alpha.prev.json']);
    expect(await readdir(join(dir, 'locks'))).toEqual([]);
    const text = await readFile(join(dir, 'rollouts', 'alpha.json'), 'utf8');
    expect(JSON.parse(text)).toEqual({ ...record('alpha', { specHash: 'two' }), version: 2 });
    expect(text).toContain('\n  "name": "alpha",\n');
    const previous = await readFile(join(dir, 'rollouts', 'alpha.prev.json'), 'utf8');
    expect(JSON.parse(previous)).toEqual({ ...record('alpha', { specHash: 'one' }), version: 1 });
    expect(await readFile(join(dir, 'history', 'alpha.jsonl'), 'utf8')).toBe(
      `${JSON.stringify(check(1))}\n${JSON.stringify(check(2))}\n`,
    );
  });

  it('lists only current records, not .prev.json or temp files left by a killed writer', async () => {
    const store = new FileStateStore({ dir });
    await store.save(record('alpha'), 0);
    await store.save(record('alpha'), 1);
    await writeFile(join(dir, 'rollouts', 'alpha.json.3412345678'), '{"name":"alpha","ver');
    await writeFile(join(dir, 'rollouts', 'notes.txt'), 'hello');
    expect((await store.list()).map((r) => [r.name, r.version])).toEqual([['alpha', 2]]);
  });
});

describe('file state store record lock', () => {
  async function holdRecordLock(
    name: string,
    holder: { pid: number; hostname?: string },
    ageMs = 0,
  ): Promise<string> {
    const file = join(dir, 'locks', `${name}.lock`);
    await mkdir(join(dir, 'locks'), { recursive: true });
    const since = new Date(Date.now() - ageMs);
    await writeFile(
      file,
      JSON.stringify({
        pid: holder.pid,
        hostname: holder.hostname ?? hostname(),
        owner: 'state save',
        since,
        token: 't',
      }),
    );
    await utimes(file, since, since);
    return file;
  }

  it('breaks a lock left by a writer that died, with a warning', async () => {
    const capture = captureLogger();
    const store = new FileStateStore({ dir, logger: capture.logger });
    const dead = deadPid();
    const file = await holdRecordLock('alpha', { pid: dead });
    expect((await store.save(record('alpha'), 0)).version).toBe(1);
    expect(capture.lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'broke stale record lock',
        file,
        rollout: 'alpha',
        pid: dead,
      }),
    ]);
    expect(await readdir(join(dir, 'locks'))).toEqual([]);
  });

  it('waits for a live holder and then gives up with E_STORE_LOCKED naming it', async () => {
    const store = new FileStateStore({ dir, lockWaitMs: 150 });
    await holdRecordLock('alpha', { pid: process.ppid });
    const err = await rejection(store.save(record('alpha'), 0));
    expect(err.code).toBe('E_STORE_LOCKED');
    expect(err.message).toMatch(
      new RegExp(`^state record of alpha stayed locked by pid ${process.ppid} on host `),
    );
    expect(await store.load('alpha')).toBeUndefined();
  });

  it('breaks a lock older than lockStaleMs even from another host', async () => {
    const store = new FileStateStore({ dir, lockStaleMs: 5_000 });
    await holdRecordLock('alpha', { pid: process.ppid, hostname: 'elsewhere' }, 60_000);
    expect((await store.save(record('alpha'), 0)).version).toBe(1);
  });

  it.each([
    ['fresh', 0, 'E_STORE_LOCKED'],
    ['old', 60_000, 'saved'],
  ])('treats a %s unreadable lock file by its age', async (_label, ageMs, outcome) => {
    const store = new FileStateStore({ dir, lockStaleMs: 5_000, lockWaitMs: 150 });
    await mkdir(join(dir, 'locks'), { recursive: true });
    const file = join(dir, 'locks', 'alpha.lock');
    await writeFile(file, '');
    const at = new Date(Date.now() - ageMs);
    await utimes(file, at, at);
    const result = await store.save(record('alpha'), 0).then(
      () => 'saved',
      (e: unknown) => (e as StagegateError).code,
    );
    expect(result).toBe(outcome);
  });
});

describe('file state store recovery', () => {
  it('skips a torn last history line with a warning, and the next append starts a fresh line', async () => {
    const capture = captureLogger();
    const store = new FileStateStore({ dir, logger: capture.logger });
    await store.appendHistory('alpha', check(1));
    await store.appendHistory('alpha', check(2));
    const file = join(dir, 'history', 'alpha.jsonl');
    await appendFile(file, '{"type":"check","at":3,"sta'); // killed mid-write
    expect((await store.history('alpha')).map((e) => e.at)).toEqual([1, 2]);
    expect(capture.lines.filter((l) => l.msg === 'skipped unreadable history line')).toEqual([
      expect.objectContaining({ level: 40, file, line: 3, problem: 'not JSON (torn write?)' }),
    ]);

    await store.appendHistory('alpha', check(4));
    expect((await store.history('alpha')).map((e) => e.at)).toEqual([1, 2, 4]);
    expect((await readFile(file, 'utf8')).split('\n')).toEqual([
      JSON.stringify(check(1)),
      JSON.stringify(check(2)),
      '{"type":"check","at":3,"sta',
      JSON.stringify(check(4)),
      '',
    ]);
  });

  it.each([
    ['not JSON', '{"name": "alpha", "vers', /^corrupt state record .*alpha\.json: not JSON/],
    ['the wrong shape', '{"name": "alpha", "version": 1}', /^corrupt state record .*alpha\.json: .*specHash/],
    [
      'another rollout',
      JSON.stringify({ ...record('beta'), version: 1 }),
      /^corrupt state record .*alpha\.json: it names rollout "beta"$/,
    ],
  ])(
    'reports a record file with %s as E_STORE_CORRUPT naming the file, for that rollout alone',
    async (_label, content, message) => {
      const store = new FileStateStore({ dir });
      await store.save(record('alpha'), 0);
      await store.save(record('gamma'), 0);
      const file = join(dir, 'rollouts', 'alpha.json');
      await writeFile(file, content);
      const err = await rejection(store.load('alpha'));
      expect(err.code).toBe('E_STORE_CORRUPT');
      expect(err.message).toMatch(message);
      expect(err.details).toEqual({ file, path: file, name: 'alpha' });
      // the other records stay listed; the bad one is a problem of its own
      expect((await store.list()).map((r) => r.name)).toEqual(['gamma']);
      const scan = await store.scan();
      expect(scan.records.map((r) => r.name)).toEqual(['gamma']);
      expect(scan.problems).toEqual([
        { name: 'alpha', code: 'E_STORE_CORRUPT', message: err.message, path: file },
      ]);
      // nothing is compared against, or written over, a record that cannot be read
      expect((await rejection(store.save(record('alpha'), 1))).code).toBe('E_STORE_CORRUPT');
      expect(await readFile(file, 'utf8')).toBe(content);
    },
  );

  it('recovers the previous record from .prev.json after the current one is damaged', async () => {
    const store = new FileStateStore({ dir });
    await store.save(record('alpha', { specHash: 'one' }), 0);
    await store.save(record('alpha', { specHash: 'two' }), 1);
    const current = join(dir, 'rollouts', 'alpha.json');
    await writeFile(current, 'garbage');
    await rename(current, `${current}.corrupt`);
    await rename(join(dir, 'rollouts', 'alpha.prev.json'), current);
    expect(await store.load('alpha')).toMatchObject({ version: 1, specHash: 'one' });
    expect((await store.save(record('alpha', { specHash: 'three' }), 1)).version).toBe(2);
  });

  it('reports an unreadable state dir as E_STORE_IO', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, '');
    const store = new FileStateStore({ dir: blocker });
    expect((await rejection(store.save(record('alpha'), 0))).code).toBe('E_STORE_IO');
    expect((await rejection(store.appendHistory('alpha', check(1)))).code).toBe('E_STORE_IO');
    expect((await rejection(store.list())).code).toBe('E_STORE_IO');
  });
});
