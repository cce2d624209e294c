import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/loader.js';
import { StagegateError } from '../../src/errors.js';
import { createStateStore } from '../../src/store/factory.js';
import { PostgresStateStore } from '../../src/store/postgres/postgres-store.js';

describe('state: { type: postgres } in the config', () => {
  it('defaults the schema to stagegate and the lease to 15 s, and interpolates the url', () => {
    const config = parseConfigText('state: { type: postgres, url: "${DATABASE_URL}" }\n', 'c.yaml', {
      DATABASE_URL: 'postgres://127.0.0.1/x',
    });
    expect(config.state).toEqual({
      type: 'postgres',
      url: 'postgres://127.0.0.1/x',
      schema: 'stagegate',
      leaseSeconds: 15,
    });
  });

  it.each([
    ['state: { type: postgres }\n', /state: missing required key "?url/],
    [
      'state: { type: postgres, url: u, schema: "Bad-Name" }\n',
      /state\.schema: must be a lowercase SQL identifier/,
    ],
    ['state: { type: postgres, url: u, leaseSeconds: 0 }\n', /state\.leaseSeconds/],
  ])('refuses %j with its line and column', (text, message) => {
    const err = (() => {
      try {
        parseConfigText(text, 'c.yaml', {});
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(StagegateError);
    expect((err as Error).message).toMatch(/c\.yaml:1:\d+: /);
    expect((err as Error).message).toMatch(message);
  });

  it('builds a postgres store from it without connecting', async () => {
    const store = createStateStore({
      type: 'postgres',
      url: 'postgres://127.0.0.1:1/x',
      schema: 'stagegate',
      leaseSeconds: 15,
    });
    expect(store).toBeInstanceOf(PostgresStateStore);
    await (store as PostgresStateStore).close();
  });
});
