import { describe, expect, it } from 'vitest';
import {
  acquireLease,
  channelFor,
  leaseIsLive,
  readLease,
  releaseLease,
  renewLease,
} from '../../../src/store/postgres/lease-sql.js';
import { quoteSchema } from '../../../src/store/postgres/sql-ident.js';
import { usePostgres } from '../pg-fixture.js';

const pg = usePostgres();

describe('lease statements (database clock)', () => {
  it('gives the lease to one replica at a time and a new epoch on every takeover', async () => {
    const schema = await pg.schema();
    const s = quoteSchema(schema);
    expect(await readLease(pg.pool, s)).toEqual({ holder: null, epoch: 0, expiresAt: null });
    const a = await acquireLease(pg.pool, s, 'a', 60_000);
    expect(a).toMatchObject({ holder: 'a', epoch: 1 });
    // held and unexpired: nobody else gets it, not even by racing
    const raced = await Promise.all(['b', 'c'].map((id) => acquireLease(pg.pool, s, id, 60_000)));
    expect(raced).toEqual([undefined, undefined]);
    expect(await leaseIsLive(pg.pool, s, 'a', 1)).toBe(true);
    expect(await renewLease(pg.pool, s, 'a', 1, 60_000)).toMatchObject({ holder: 'a', epoch: 1 });
    await releaseLease(pg.pool, s, schema, 'a', 1);
    expect(await leaseIsLive(pg.pool, s, 'a', 1)).toBe(false);
    // released: of two racing replicas exactly one takes epoch 2
    const next = await Promise.all(['b', 'c'].map((id) => acquireLease(pg.pool, s, id, 60_000)));
    expect(next.filter((l) => l !== undefined).map((l) => l?.epoch)).toEqual([2]);
    // the old holder can neither renew nor count itself live
    expect(await renewLease(pg.pool, s, 'a', 1, 60_000)).toBeUndefined();
    expect(await leaseIsLive(pg.pool, s, 'a', 1)).toBe(false);
  });

  it('names NOTIFY channels per schema, within the 63-byte identifier limit', () => {
    expect(channelFor('commands', 'stagegate')).toBe('sg_commands_stagegate');
    expect(channelFor('lease', 'a'.repeat(63))).toHaveLength(63);
    expect(channelFor('lease', 'x')).not.toBe(channelFor('done', 'x'));
  });
});
