import { parseCheckDetail } from '../../src/ports/history.js';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/server.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { createWorkspace, runCli } from '../e2e/harness.js';
import { deps, record } from '../server/helpers.js';
import { failure } from '../stagegate-error.js';

/*
 * Item 5 and item 1 (store side) of issue 11, on real files: one truncated
 * record must not break the listing, the API or /readyz for the others; a full
 * or read-only state disk (a real 1 MiB tmpfs) fails writes at once with a
 * typed error carrying the errno, and /readyz says the store is failing.
 */

let dir: string;
let app: FastifyInstance | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-faults-'));
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await rm(dir, { recursive: true, force: true });
});

function serverOn(store: FileStateStore): FastifyInstance {
  // deps() wants the test FakeStore type; the file store has the same port
  app = buildServer({ ...deps(undefined as never, []), store, loadedRollouts: () => [] });
  return app;
}

describe('a truncated state record', () => {
  it('is that rollout’s problem only: list, API and /readyz keep serving the others', async () => {
    const store = new FileStateStore({ dir });
    for (const name of ['alpha', 'beta', 'gamma']) await store.save(record(name), 0);
    const file = store.recordFile('beta');
    await truncate(file, 40); // a torn write, or a disk that lost the tail

    expect((await store.list()).map((r) => r.name)).toEqual(['alpha', 'gamma']);
    const err = await failure(store.load('beta'));
    expect(err.code).toBe('E_STORE_CORRUPT');
    expect(err.details.path).toBe(file);

    const server = serverOn(store);
    const list = await server.inject({ method: 'GET', url: '/api/rollouts' });
    expect(list.statusCode).toBe(200);
    const items = list.json() as {
      name: string;
      state: string;
      problem: { code: string; path: string } | null;
    }[];
    expect(items.map((i) => [i.name, i.state, i.problem?.code ?? null])).toEqual([
      ['alpha', 'running', null],
      ['beta', 'unknown', 'E_STORE_CORRUPT'],
      ['gamma', 'running', null],
    ]);
    expect(items[1]?.problem?.path).toBe(file);

    const one = await server.inject({ method: 'GET', url: '/api/rollouts/beta' });
    expect(one.statusCode).toBe(200);
    expect(one.json().problem.code).toBe('E_STORE_CORRUPT');
    expect((await server.inject({ method: 'GET', url: '/api/rollouts/alpha' })).statusCode).toBe(200);

    const ready = await server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().records).toEqual([expect.stringMatching(/^beta: corrupt state record .*beta\.json/)]);
    // the bad file is left as it is for a human to look at; nothing overwrites it
    expect((await failure(store.save(record('beta'), 1))).code).toBe('E_STORE_CORRUPT');
  });
});

describe('`stagegate status` with a truncated record', () => {
  it('shows that rollout as unknown with the file at fault, the others as usual, and exits 0', async () => {
    const ws = await createWorkspace({ datadogUrl: 'http://127.0.0.1:9', flipperUrl: 'http://127.0.0.1:9' });
    try {
      const store = ws.store();
      await store.save(record('alpha'), 0);
      await store.save(record('beta'), 0);
      await truncate(store.recordFile('beta'), 10);
      const res = await runCli(ws, ['status', '--json']);
      expect(res.code).toBe(0);
      const rows = JSON.parse(res.stdout) as {
        name: string;
        state: string;
        problem?: { code: string; path: string };
      }[];
      expect(rows.map((r) => [r.name, r.state, r.problem?.code ?? null])).toEqual([
        ['alpha', 'running', null],
        ['beta', 'unknown', 'E_STORE_CORRUPT'],
      ]);
      expect(rows[1]?.problem?.path).toBe(store.recordFile('beta'));
    } finally {
      await ws.cleanup();
    }
  });
});

describe('a full or read-only state disk (1 MiB tmpfs)', () => {
  let mnt: string;
  beforeEach(async () => {
    mnt = join(dir, 'mnt');
    await mkdir(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  });
  afterEach(() => {
    execFileSync('umount', ['-l', mnt]);
  });

  it('fails writes fast with E_STORE_UNAVAILABLE and the errno, reports it in health and /readyz, and recovers', async () => {
    const store = new FileStateStore({ dir: join(mnt, 'state'), lockWaitMs: 60_000 });
    await store.save(record('alpha'), 0);
    expect(store.health().ok).toBe(true);
    // fill the disk to the last block
    await writeFile(join(mnt, 'ballast'), Buffer.alloc(2 * 1024 * 1024)).catch(() => undefined);

    const started = performance.now();
    const full = await failure(store.save(record('alpha'), 1));
    const saveMs = performance.now() - started;
    expect(full.code).toBe('E_STORE_UNAVAILABLE');
    expect(full.details.errno).toBe('ENOSPC');
    expect(full.message).toMatch(/ENOSPC \(disk full\)/);
    // fail fast: not stuck behind the 60 s lock wait (a lock file that could not be written)
    expect(saveMs).toBeLessThan(30_000);
    const appended = await failure(
      store.appendHistory('alpha', {
        type: 'check',
        at: 1,
        stage: 'canary',
        percent: 2,
        detail: parseCheckDetail({}),
      }),
    );
    expect(appended.code).toBe('E_STORE_UNAVAILABLE');
    expect(store.health()).toMatchObject({ ok: false, errno: 'ENOSPC' });

    const server = serverOn(store);
    const ready = await server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().problems).toEqual([
      expect.stringMatching(/^state store failing: cannot (write|append to) .*ENOSPC/),
    ]);
    // reads still work: status and the API show the last saved state
    expect((await store.load('alpha'))?.version).toBe(1);

    await rm(join(mnt, 'ballast'));
    await store.save(record('alpha'), 1);
    expect(store.health().ok).toBe(true);

    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    const readOnly = await failure(store.save(record('alpha'), 2));
    expect(readOnly.code).toBe('E_STORE_UNAVAILABLE');
    expect(readOnly.details.errno).toBe('EROFS');
    expect(store.health()).toMatchObject({ ok: false, errno: 'EROFS' });
  });
});
