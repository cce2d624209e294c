import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { createStateStore, type StateConfig } from '../../src/store/factory.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { PostgresStateStore } from '../../src/store/postgres/postgres-store.js';
import { record } from './helpers.js';
import { usePostgres } from './pg-fixture.js';
import { thrown } from '../stagegate-error.js';

/* config.state → the store it names; a config the store cannot work with is a typed error at creation. */

const pg = usePostgres();

describe('createStateStore', () => {
  it('builds a file store with a relative dir resolved against baseDir', () => {
    const store = createStateStore({ type: 'file', dir: 'state' }, { baseDir: '/srv/app' });
    expect(store).toBeInstanceOf(FileStateStore);
    expect((store as FileStateStore).dir).toBe('/srv/app/state');
  });

  it('resolves a relative dir against the working directory without baseDir, and keeps an absolute one', () => {
    const relative = createStateStore({ type: 'file', dir: 'state' }) as FileStateStore;
    expect(relative.dir).toBe(join(process.cwd(), 'state'));
    const absolute = createStateStore({ type: 'file', dir: '/var/lib/sg' }, { baseDir: '/srv/app' });
    expect((absolute as FileStateStore).dir).toBe('/var/lib/sg');
  });

  it('builds a new, empty memory store on every call', async () => {
    const first = createStateStore({ type: 'memory' });
    const second = createStateStore({ type: 'memory' });
    expect(first).toBeInstanceOf(MemoryStateStore);
    await first.save(record('alpha'), 0);
    expect(await second.load('alpha')).toBeUndefined();
  });

  it('builds a postgres store on the configured schema that owns its pool', async () => {
    const schema = await pg.schema();
    const store = createStateStore({ type: 'postgres', url: pg.db.url, schema, leaseSeconds: 15 });
    expect(store).toBeInstanceOf(PostgresStateStore);
    await store.save(record('alpha'), 0);
    // the row landed in the configured schema, not in some default one
    const rows = await pg.pool.query<{ name: string }>(`SELECT name FROM "${schema}".records`);
    expect(rows.rows).toEqual([{ name: 'alpha' }]);
    await (store as PostgresStateStore).close();
    // close ended the pool the factory created for it
    const after = await store.load('alpha').catch((e: unknown) => e);
    expect((after as Error).message).toMatch(/after calling end on the pool/);
  });

  it('refuses a postgres schema name that is not a plain identifier (E_CONFIG_INVALID) before connecting', () => {
    const err = thrown(() =>
      createStateStore({
        type: 'postgres',
        url: 'postgres://127.0.0.1:1/x',
        schema: 'x;drop',
        leaseSeconds: 15,
      }),
    );
    expect(err.code).toBe('E_CONFIG_INVALID');
    expect(err.details).toEqual({ schema: 'x;drop' });
  });

  it('builds a postgres store for an unreachable URL, whose first read fails typed without the password', async () => {
    const url = 'postgres://stagegate:fact0ry-pw@127.0.0.1:1/x';
    const store = createStateStore({ type: 'postgres', url, schema: 'stagegate', leaseSeconds: 15 });
    const err = await store.load('alpha').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagegateError);
    expect((err as StagegateError).code).toBe('E_STORE_IO');
    expect((err as StagegateError).message).not.toContain('fact0ry-pw');
    expect(JSON.stringify((err as StagegateError).details)).not.toContain('fact0ry-pw');
    await (store as PostgresStateStore).close();
  });

  it('throws E_UNKNOWN_TYPE naming a type it does not know', () => {
    const config = JSON.parse('{"type":"redis"}') as StateConfig;
    const err = thrown(() => createStateStore(config));
    expect(err.code).toBe('E_UNKNOWN_TYPE');
    expect(err.message).toBe('unknown state store type "redis"');
    expect(err.details).toEqual({ type: 'redis' });
  });

  it('throws E_UNKNOWN_TYPE for a state config without a type', () => {
    const err = thrown(() => createStateStore(JSON.parse('{}') as StateConfig));
    expect(err.code).toBe('E_UNKNOWN_TYPE');
    expect(err.message).toBe('unknown state store type undefined');
  });
});
