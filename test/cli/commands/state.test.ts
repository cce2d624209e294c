import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../../src/store/file-store.js';
import { PostgresStateStore } from '../../../src/store/postgres/postgres-store.js';
import { record, removeDir } from '../../store/helpers.js';
import { usePostgres } from '../../store/pg-fixture.js';

/* `stagegate state …` as an operator runs it: the built CLI, a config naming the test database. */

const CLI = resolve(import.meta.dirname, '../../../dist/cli/main.js');
const pg = usePostgres();
let dir: string;

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, '--config', join(dir, 'stagegate.yaml'), ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: pg.db.url, ...env },
      cwd: dir,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, out, err }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-state-cli-'));
  await mkdir(join(dir, 'rollouts'));
  await writeFile(
    join(dir, 'stagegate.yaml'),
    'rolloutsDir: rollouts\nstate: { type: postgres, url: "${DATABASE_URL}", schema: cli_state, leaseSeconds: 15 }\n',
  );
  await writeFile(join(dir, 'file.yaml'), 'rolloutsDir: rollouts\nstate: { type: file, dir: old-state }\n');
});
afterAll(async () => {
  await removeDir(dir);
});

describe('stagegate state', () => {
  it('migrates once, then has nothing to apply', async () => {
    const first = await run(['state', 'migrate']);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toBe('schema cli_state at migration 1 (applied 1)\n');
    const again = await run(['state', 'migrate']);
    expect(again.out).toBe('schema cli_state at migration 1 (nothing to apply)\n');
  });

  it('exports a file state dir and imports it into postgres, verified', async () => {
    const old = new FileStateStore({ dir: join(dir, 'old-state') });
    await old.save(record('alpha'), 0);
    for (let i = 0; i < 5; i++)
      await old.appendHistory('alpha', { type: 'spec', at: i, specHash: `h${i}`, source: null });
    const exported = await run(['state', 'export', '--from', 'file:old-state', '--out', 'dump.json']);
    expect(exported.code).toBe(0);
    expect(exported.err).toMatch(
      /^exported 1 rollouts, 1 records, 5 history entries, sha256:[0-9a-f]{64} to dump\.json\n$/,
    );
    const checksum = (JSON.parse(await readFile(join(dir, 'dump.json'), 'utf8')) as { checksum: string })
      .checksum;

    const imported = await run(['state', 'import', 'dump.json']);
    expect(imported).toMatchObject({ code: 0, err: '' });
    expect(imported.out).toBe(`imported 1 rollouts, 1 records, 5 history entries, ${checksum}: verified\n`);
    const pgStore = new PostgresStateStore({ pool: pg.pool, schema: 'cli_state' });
    expect((await pgStore.history('alpha')).map((e) => e.at)).toEqual([0, 1, 2, 3, 4]);

    const twice = await run(['state', 'import', 'dump.json']);
    expect(twice.code).toBe(1);
    expect(twice.err).toBe(
      'stagegate: the target store already has alpha: nothing imported (import into an empty store)\n',
    );
  });

  it('shows the lease holder', async () => {
    await pg.pool.query(
      `INSERT INTO cli_state.lease VALUES (1, 'replica-a', 7, now() + interval '1 minute', now())
       ON CONFLICT (id) DO UPDATE SET holder = 'replica-a', epoch = 7, expires_at = now() + interval '1 minute'`,
    );
    const text = await run(['state', 'lease']);
    expect(text.out).toMatch(/^leader: replica-a \(lease epoch 7, expires \d{4}-\d\d-\d\dT/);
    const status = await run(['status']);
    expect(status.out).toMatch(/\nleader: replica-a \(lease epoch 7, expires \d{4}-\d\d-\d\dT/);
    const json = await run(['state', 'lease', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ holder: 'replica-a', epoch: 7 });
  });

  it.each([
    [
      ['state', 'migrate'],
      { DATABASE_URL: 'postgres://u:hunter2-pw@127.0.0.1:1/db' },
      3,
      /^stagegate: postgres state store: connect: /,
    ],
    [
      ['--config', 'file.yaml', 'state', 'migrate'],
      {},
      2,
      /^stagegate: state.type is file: only a postgres store/,
    ],
    [['state', 'import', 'missing.json'], {}, 2, /^stagegate: missing\.json: cannot read: ENOENT\n$/],
    [
      ['state', 'export', '--from', 'ftp://x'],
      {},
      2,
      /^stagegate: a store is file:DIR or a postgres:\/\/ URL\n$/,
    ],
  ])('fails with one line for %j', async (args, env, code, message) => {
    const result = await run(args, env);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
    expect(result.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.err + result.out).not.toContain('hunter2');
  });
});
