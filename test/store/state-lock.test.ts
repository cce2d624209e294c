import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import {
  acquireStateLock,
  HEARTBEAT_MS,
  readStateLock,
  STALE_MS,
  STATE_LOCK_FILE,
} from '../../src/store/state-lock.js';
import { captureLogger, removeDir, transpileForChild } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-lock-'));
});
afterEach(async () => {
  await removeDir(dir);
});

async function lockedError(promise: Promise<unknown>): Promise<StagegateError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof StagegateError)) throw new Error(`expected a StagegateError, got ${String(err)}`);
  return err;
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not spawn');
  return child.pid;
}

async function writeLock(content: object | string): Promise<string> {
  const file = join(dir, STATE_LOCK_FILE);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('acquireStateLock', () => {
  it('writes a lock naming its holder and removes it on release', async () => {
    const lock = await acquireStateLock(dir, { owner: 'stagegate run' });
    expect(lock.file).toBe(join(dir, STATE_LOCK_FILE));
    expect(lock.takenOverFrom).toBeNull();
    const onDisk = JSON.parse(await readFile(lock.file, 'utf8')) as Record<string, unknown>;
    expect(onDisk).toEqual({ ...lock.holder });
    expect(onDisk).toMatchObject({ pid: process.pid, hostname: hostname(), owner: 'stagegate run' });
    expect(await readStateLock(dir)).toEqual(lock.holder);
    await lock.release();
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    expect(await readStateLock(dir)).toBeUndefined();
  });

  it('refuses a second acquirer with a message naming the holder', async () => {
    const lock = await acquireStateLock(dir, { owner: 'stagegate run' });
    const err = await lockedError(acquireStateLock(dir, { owner: 'stagegate run' }));
    expect(err.code).toBe('E_STORE_LOCKED');
    expect(err.message).toBe(
      `state dir ${dir} is locked: held by pid ${process.pid} on host ${hostname()} since ${lock.holder.since}` +
        ` (stagegate run). Stop that controller first; if it is gone, delete ${lock.file}`,
    );
    await lock.release();
    const again = await acquireStateLock(dir, { owner: 'stagegate run' });
    await again.release();
  });

  it('lets only one of two concurrent acquirers in one process win', async () => {
    const results = await Promise.allSettled([
      acquireStateLock(dir, { owner: 'one' }),
      acquireStateLock(dir, { owner: 'two' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  it('takes over a lock whose holder died on this host, with a warning', async () => {
    const capture = captureLogger();
    const dead = {
      pid: deadPid(),
      hostname: hostname(),
      owner: 'stagegate run',
      since: '2025-06-17T12:00:00.000Z',
      token: 'x',
    };
    const file = await writeLock(dead);
    const lock = await acquireStateLock(dir, { owner: 'stagegate run', logger: capture.logger });
    expect(lock.takenOverFrom).toEqual(dead);
    expect(capture.lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'took over stale state lock',
        file,
        // the holder's pid in its own key: pino's `pid` is this process (a second `pid` key would shadow it)
        pid: process.pid,
        holderPid: dead.pid,
        hostname: dead.hostname,
        since: dead.since,
      }),
    ]);
    await lock.release();
  });

  it('refuses a fresh lock with its own pid: in another container with the same host name it is pid 1 too', async () => {
    await writeLock({
      pid: process.pid,
      hostname: hostname(),
      owner: 'stagegate run',
      since: 'earlier',
      token: 'other-container',
    });
    const err = await lockedError(acquireStateLock(dir, { owner: 'stagegate run' }));
    expect(err.code).toBe('E_STORE_LOCKED');
  });

  it.each([
    ['its own pid (a restarted container is pid 1 again)', () => process.pid, () => hostname()],
    ['another host (a re-created container has a new host name)', () => 4242, () => 'old-container-7f3a'],
  ])('takes over a lock nobody has touched for %s', async (_label, pid, host) => {
    const file = await writeLock({
      pid: pid(),
      hostname: host(),
      owner: 'stagegate run',
      since: 'earlier',
      token: 'abandoned',
    });
    const untouched = new Date(Date.now() - STALE_MS - 1_000);
    await utimes(file, untouched, untouched);
    const lock = await acquireStateLock(dir, { owner: 'stagegate run' });
    expect(lock.takenOverFrom?.token).toBe('abandoned');
    await lock.release();
  });

  it('keeps its lock fresh while it holds it', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const lock = await acquireStateLock(dir, { owner: 'stagegate run' });
      const old = new Date(Date.now() - STALE_MS - 1_000);
      await utimes(lock.file, old, old);
      vi.advanceTimersByTime(HEARTBEAT_MS);
      await vi.waitFor(async () => {
        expect(Date.now() - (await stat(lock.file)).mtimeMs).toBeLessThan(STALE_MS);
      });
      await lock.release();
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes over despite a break marker left by a process killed mid-break', async () => {
    await writeLock({
      pid: deadPid(),
      hostname: hostname(),
      owner: 'stagegate run',
      since: 'earlier',
      token: 'x',
    });
    const breaker = join(dir, `${STATE_LOCK_FILE}.break`);
    await writeFile(breaker, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(breaker, old, old);
    const lock = await acquireStateLock(dir, { owner: 'stagegate run' });
    expect(lock.takenOverFrom?.token).toBe('x');
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('never breaks a lock held from another host', async () => {
    await writeLock({
      pid: deadPid(),
      hostname: 'other-host',
      owner: 'stagegate run',
      since: 'then',
      token: 'x',
    });
    const err = await lockedError(acquireStateLock(dir, { owner: 'stagegate run' }));
    expect(err.code).toBe('E_STORE_LOCKED');
    expect(err.message).toMatch(/held by pid \d+ on host other-host since then \(stagegate run\)/);
  });

  it('refuses an unreadable lock file and says how to recover', async () => {
    const file = await writeLock('not json');
    const err = await lockedError(acquireStateLock(dir, { owner: 'stagegate run' }));
    expect(err.code).toBe('E_STORE_LOCKED');
    expect(err.message).toBe(
      `state dir ${dir} is locked by ${file}, which is unreadable; if no controller runs on this dir, delete it`,
    );
  });

  it('leaves a lock that was replaced by someone else at release, with a warning', async () => {
    const capture = captureLogger();
    const lock = await acquireStateLock(dir, { owner: 'stagegate run', logger: capture.logger });
    const theirs = { pid: 1, hostname: 'h', owner: 'someone', since: 'now', token: 'theirs' };
    await writeFile(lock.file, JSON.stringify(theirs));
    await lock.release();
    expect(await readStateLock(dir)).toEqual(theirs);
    expect(capture.lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'state lock was no longer ours at release' }),
    ]);
  });

  it('reports a state dir it cannot create as E_STORE_IO', async () => {
    await writeFile(join(dir, 'file'), '');
    const err = await lockedError(acquireStateLock(join(dir, 'file', 'state'), { owner: 'x' }));
    expect(err.code).toBe('E_STORE_IO');
  });
});

describe('acquireStateLock across processes', () => {
  const HOLDER = `
import { acquireStateLock } from './src/store/state-lock.js';
const lock = await acquireStateLock(process.argv[2], { owner: 'child controller' });
process.stdout.write(JSON.stringify(lock.holder) + '\\n');
setInterval(() => {}, 1000);
`;
  let code: string;
  beforeAll(async () => {
    code = await transpileForChild(['src/store/state-lock.ts']);
    await writeFile(join(code, 'holder.js'), HOLDER);
  });
  afterAll(async () => {
    await removeDir(code);
  });

  it('refuses while another controller holds the dir, and takes over once it is SIGKILLed', async () => {
    const child = spawn(process.execPath, [join(code, 'holder.js'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      if (!child.stdout) throw new Error('no stdout');
      const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
      const holder = JSON.parse(String(first.value)) as { pid: number; since: string };
      expect(holder.pid).toBe(child.pid);

      const err = await lockedError(acquireStateLock(dir, { owner: 'stagegate run' }));
      expect(err.code).toBe('E_STORE_LOCKED');
      expect(err.message).toContain(
        `held by pid ${child.pid} on host ${hostname()} since ${holder.since} (child controller)`,
      );

      child.kill('SIGKILL');
      await exited;
      const capture = captureLogger();
      const lock = await acquireStateLock(dir, { owner: 'stagegate run', logger: capture.logger });
      expect(lock.takenOverFrom?.pid).toBe(child.pid);
      expect(capture.lines.map((l) => l.msg)).toEqual(['took over stale state lock']);
      await lock.release();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
