import { afterEach, describe, expect, it } from 'vitest';
import { registerConfigSecrets, SECRET_VARIABLES, URL_VARIABLES } from '../../src/secrets/config-secrets.js';
import { hasSecrets, resetSecretsForTests, scrub } from '../../src/secrets/scrubber.js';

afterEach(() => resetSecretsForTests());

describe('registerConfigSecrets', () => {
  it('names the variables that always hold secrets or URLs with passwords', () => {
    expect(SECRET_VARIABLES).toEqual(['DD_API_KEY', 'DD_APP_KEY']);
    expect(URL_VARIABLES).toEqual(['DATABASE_URL']);
  });

  it('registers the Datadog keys and the DATABASE_URL password whatever the config says', () => {
    registerConfigSecrets(
      {},
      {
        DD_API_KEY: 'dd-api-key-abcdef',
        DD_APP_KEY: 'dd-app-key-abcdef',
        DATABASE_URL: 'postgres://stagegate:db-pass-777@127.0.0.1:5432/stagegate',
      },
    );
    expect(scrub('dd-api-key-abcdef dd-app-key-abcdef db-pass-777 stagegate')).toBe(
      '[redacted] [redacted] [redacted] stagegate',
    );
  });

  it('registers the value of every *Env key at any depth, and URL credentials inside it', () => {
    registerConfigSecrets(
      {
        toggles: { f: { type: 'flipper', tokenEnv: 'FLIPPER_API_TOKEN' } },
        notifiers: { s: { type: 'slack', webhookEnv: 'SLACK_URL' } },
        deep: { a: { b: { c: [{ secretEnv: 'HOOK_SECRET' }] } } },
      },
      {
        FLIPPER_API_TOKEN: 'flipper-tok-123456',
        SLACK_URL: 'https://hooks-user:slack-pw-999@hooks.slack.test/T0',
        HOOK_SECRET: 'hook-secret-42',
      },
    );
    expect(scrub('flipper-tok-123456 slack-pw-999 hook-secret-42')).toBe('[redacted] [redacted] [redacted]');
  });

  it('registers a *Env value that is a secret pasted in place of a variable name', () => {
    registerConfigSecrets({ server: { tokenEnv: 'sk_live_9f8e7d6c5b4a3f2e1d' } }, {});
    expect(scrub('token sk_live_9f8e7d6c5b4a3f2e1d')).toBe('token [redacted]');
  });

  it('does not register the name of a variable, nor a value of a key that is not *Env', () => {
    registerConfigSecrets(
      { server: { tokenEnv: 'STAGEGATE_API_TOKEN' }, state: { dir: '.stagegate-data' } },
      {},
    );
    expect(hasSecrets()).toBe(false);
    expect(scrub('STAGEGATE_API_TOKEN .stagegate-data')).toBe('STAGEGATE_API_TOKEN .stagegate-data');
  });

  it('registers credentials of any URL written in the config', () => {
    registerConfigSecrets({ toggles: { f: { baseUrl: 'https://ops:hunter22pw@flipper.test/api' } } }, {});
    expect(scrub('refused hunter22pw')).toBe('refused [redacted]');
  });

  it('stops at a depth of 32 (a hostile config cannot recurse without end)', () => {
    let node: Record<string, unknown> = { tokenEnv: 'sk_live_deep_secret_0000000000' };
    for (let i = 0; i < 40; i++) node = { n: node };
    registerConfigSecrets(node, {});
    expect(hasSecrets()).toBe(false);
    let shallow: Record<string, unknown> = { tokenEnv: 'sk_live_deep_secret_0000000000' };
    for (let i = 0; i < 30; i++) shallow = { n: shallow };
    registerConfigSecrets(shallow, {});
    expect(hasSecrets()).toBe(true);
  });

  it.each([null, undefined, 'text', 42])('ignores non-object data %j', (data) => {
    registerConfigSecrets(data, {});
    expect(hasSecrets()).toBe(false);
  });
});
