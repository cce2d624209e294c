import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import { createToggleProvider, type ToggleProviderConfig } from '../../../src/providers/toggles/factory.js';
import { FileToggleProvider } from '../../../src/providers/toggles/file.js';
import { FlipperToggleProvider } from '../../../src/providers/toggles/flipper.js';
import { MemoryToggleProvider } from '../../../src/providers/toggles/memory.js';
import { WebhookToggleProvider } from '../../../src/providers/toggles/webhook.js';
import { configSchema } from '../../../src/config/schema.js';

function toggles(raw: Record<string, unknown>) {
  return configSchema.parse({ toggles: raw }).toggles;
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('createToggleProvider', () => {
  const config = toggles({
    flipper: { type: 'flipper', baseUrl: 'http://flipper.test/flipper/api', tokenEnv: 'FLIPPER_API_TOKEN' },
    kafka: { type: 'webhook', url: 'http://hooks.test/toggle', secretEnv: 'HOOK_SECRET' },
    local: { type: 'file', path: 'toggles.json' },
  });
  const env = { FLIPPER_API_TOKEN: 'flip-tok', HOOK_SECRET: 'hook-sec' };

  it.each([
    ['flipper', FlipperToggleProvider],
    ['kafka', WebhookToggleProvider],
    ['local', FileToggleProvider],
  ] as const)('builds %s from its config entry, named after it', (name, type) => {
    const entry = config[name];
    if (entry === undefined) throw new Error('missing entry');
    const provider = createToggleProvider(name, entry, { env });
    expect(provider).toBeInstanceOf(type);
    expect(provider.name).toBe(name);
  });

  it('builds a memory provider for simulate', () => {
    expect(createToggleProvider('sim', { type: 'memory' })).toBeInstanceOf(MemoryToggleProvider);
  });

  it('throws E_UNKNOWN_TYPE for an unknown type', () => {
    const bogus = { type: 'launchdarkly' } as unknown as ToggleProviderConfig;
    expect(() => createToggleProvider('ld', bogus)).toThrow(
      expect.objectContaining({
        code: 'E_UNKNOWN_TYPE',
        message: 'toggles.ld: unknown toggle provider type "launchdarkly"',
      }),
    );
  });

  it.each([
    ['flipper', 'FLIPPER_API_TOKEN', 'tokenEnv'],
    ['kafka', 'HOOK_SECRET', 'secretEnv'],
  ] as const)(
    'fails at start-up when %s names an unset variable, naming it and no value',
    (name, variable, field) => {
      const entry = config[name];
      if (entry === undefined) throw new Error('missing entry');
      let err: unknown;
      try {
        createToggleProvider(name, entry, { env: { ...env, [variable]: '' } });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StagegateError);
      expect(err).toMatchObject({
        code: 'E_CONFIG_INVALID',
        message: `toggles.${name}.${field}: environment variable ${variable} is not set`,
      });
    },
  );

  it('hands the token from the environment to the Flipper provider, and the retry count from maxRetries', async () => {
    const entry = toggles({
      f: { type: 'flipper', baseUrl: 'http://flipper.test/api', tokenEnv: 'T', maxRetries: 1 },
    })['f'];
    if (entry === undefined) throw new Error('missing entry');
    const scope = nock('http://flipper.test', { reqheaders: { authorization: 'Bearer from-env' } })
      .get('/api/features/x')
      .times(2)
      .reply(503);
    const provider = createToggleProvider('f', entry, {
      env: { T: 'from-env' },
      retryDelays: { minTimeoutMs: 1, randomize: false },
    });
    await expect(provider.read('x')).rejects.toMatchObject({
      code: 'E_PROVIDER_UNREACHABLE',
      details: { attempts: 2 },
    });
    expect(scope.isDone()).toBe(true);
  });

  it('resolves a relative file path against baseDir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagegate-factory-'));
    try {
      const entry = config['local'];
      if (entry === undefined) throw new Error('missing entry');
      await createToggleProvider('local', entry, { baseDir: dir }).enable('f');
      expect(JSON.parse(await readFile(join(dir, 'toggles.json'), 'utf8'))).toMatchObject({
        f: { enabled: true },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
