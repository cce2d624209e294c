import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/loader.js';
import { ConfigError } from '../../src/rollout/errors.js';
import { resetSecretsForTests, scrub } from '../../src/secrets/scrubber.js';

/*
 * The secret rules of the config (DESIGN.md §6, issue 11 "Secrets", issue
 * 13): no credentials in provider URLs (and the refusal does not quote them),
 * one source per secret (the variable or the file), and loading registers
 * every secret the config points at with the one scrubber.
 */

afterEach(() => resetSecretsForTests());

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, 'c.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  return [];
}

const CREDENTIALS =
  "must not carry credentials (user:password@ or token@): put the secret in the environment or a file and name it with the provider's *Env / *File key";

describe('credentials in provider URLs', () => {
  it.each([
    [
      'flipper baseUrl',
      'toggles: { f: { type: flipper, baseUrl: "https://ops:hunter22pw@flipper.test/api" } }\n',
      'c.yaml:1:41: toggles.f.baseUrl',
    ],
    [
      'webhook toggle url',
      'toggles: { k: { type: webhook, url: "https://tok3n-abcdef@hooks.test/t" } }\n',
      'c.yaml:1:37: toggles.k.url',
    ],
    [
      'datadog baseUrl',
      'metrics: { dd: { type: datadog, baseUrl: "http://u:hunter22pw@127.0.0.1:8126" } }\n',
      'c.yaml:1:42: metrics.dd.baseUrl',
    ],
  ])('refuses a %s with credentials, without echoing them', (_what, text, where) => {
    const lines = problems(text);
    expect(lines).toEqual([`${where}: ${CREDENTIALS}`]);
    expect(lines.join('\n')).not.toMatch(/hunter22pw|tok3n-abcdef/);
  });

  it('refuses credentials interpolated from the environment, and scrubs them from then on', () => {
    const env = { FLIPPER_API_URL: 'https://ops:env-pw-9f8e7d@flipper.test/api' };
    const lines = problems('toggles: { f: { type: flipper, baseUrl: "${FLIPPER_API_URL}" } }\n', env);
    expect(lines).toEqual([`c.yaml:1:41: toggles.f.baseUrl: ${CREDENTIALS}`]);
    expect(scrub('said env-pw-9f8e7d')).toBe('said [redacted]');
  });
});

describe('one source per secret', () => {
  it.each([
    [
      'toggles: { f: { type: flipper, baseUrl: "http://x", tokenEnv: T, tokenFile: /run/t } }\n',
      'toggles.f.tokenFile: give tokenEnv or tokenFile, not both',
    ],
    [
      'notifiers: { s: { type: slack, webhookEnv: S, webhookFile: /run/s } }\n',
      'notifiers.s.webhookFile: give webhookEnv or webhookFile, not both',
    ],
    ['notifiers: { s: { type: slack } }\n', 'notifiers.s: needs webhookEnv or webhookFile (the webhook URL)'],
    [
      'server: { tokenEnv: T, tokenFile: /run/t }\n',
      'server.tokenFile: give tokenEnv or tokenFile, not both',
    ],
  ])('%j', (text, message) => {
    expect(problems(text).map((l) => l.replace(/^c\.yaml:\d+:\d+: /, ''))).toEqual([message]);
  });

  it('accepts every *File twin', () => {
    const config = parseConfigText(
      [
        'metrics: { dd: { type: datadog, apiKeyFile: /run/dd/api, appKeyFile: /run/dd/app } }',
        'toggles:',
        '  f: { type: flipper, baseUrl: "http://x", tokenFile: /run/flipper/token }',
        '  k: { type: webhook, url: "http://y", secretFile: /run/hook/secret }',
        'notifiers:',
        '  s: { type: slack, webhookFile: /run/slack/url }',
        '  w: { type: webhook, url: "http://z", secretFile: /run/w/secret }',
        'server: { tokenFile: /run/api/token }',
        '',
      ].join('\n'),
      'c.yaml',
      {},
    );
    expect(config.toggles['f']).toMatchObject({ tokenFile: '/run/flipper/token' });
    expect(config.server.tokenFile).toBe('/run/api/token');
  });
});

describe('loading registers the secrets the config points at', () => {
  it('the Datadog keys, every *Env value, and a database URL password from the environment', () => {
    parseConfigText(
      'toggles: { f: { type: flipper, baseUrl: "http://x", tokenEnv: FLIPPER_API_TOKEN } }\nserver: { tokenEnv: STAGEGATE_API_TOKEN }\n',
      'c.yaml',
      {
        DD_API_KEY: 'dd-api-key-abcdef',
        DD_APP_KEY: 'dd-app-key-abcdef',
        FLIPPER_API_TOKEN: 'flipper-tok-123456',
        STAGEGATE_API_TOKEN: 'api-tok-654321',
        DATABASE_URL: 'postgres://stagegate:db-pass-777@127.0.0.1:5432/stagegate',
      },
    );
    expect(scrub('dd-api-key-abcdef dd-app-key-abcdef flipper-tok-123456 api-tok-654321 db-pass-777')).toBe(
      '[redacted] [redacted] [redacted] [redacted] [redacted]',
    );
  });

  it('the password of a postgres state url, interpolated or written', () => {
    parseConfigText('state: { type: postgres, url: "${PG_URL}" }\n', 'c.yaml', {
      PG_URL: 'postgres://stagegate:pg-pass-4242@127.0.0.1:5432/db',
    });
    expect(scrub('password authentication failed: pg-pass-4242')).toBe(
      'password authentication failed: [redacted]',
    );
  });
});
