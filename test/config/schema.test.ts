import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/loader.js';
import { configSchema, DATADOG_SITES } from '../../src/config/schema.js';
import { scrub } from '../../src/secrets/scrubber.js';
import { configProblems, EMPTY_CONFIG, resetSecretsAfterEach } from './helpers.js';

/*
 * The config schema's rules (DESIGN.md §6, issue 11 "Secrets", issue 13): no
 * credentials in provider URLs (and the refusal does not quote them), one
 * source per secret (the variable or the file); read through the loader where
 * the message and its line:col matter, on the schema directly otherwise.
 */

resetSecretsAfterEach();

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
    const lines = configProblems(text);
    expect(lines).toEqual([`${where}: ${CREDENTIALS}`]);
    expect(lines.join('\n')).not.toMatch(/hunter22pw|tok3n-abcdef/);
  });

  it('refuses credentials interpolated from the environment, and scrubs them from then on', () => {
    const env = { FLIPPER_API_URL: 'https://ops:env-pw-9f8e7d@flipper.test/api' };
    const lines = configProblems('toggles: { f: { type: flipper, baseUrl: "${FLIPPER_API_URL}" } }\n', env);
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
    expect(configProblems(text).map((l) => l.replace(/^c\.yaml:\d+:\d+: /, ''))).toEqual([message]);
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

describe('configSchema', () => {
  it('fills every default from an empty config', () => {
    expect(configSchema.parse({})).toEqual(EMPTY_CONFIG);
  });

  it('fills provider defaults', () => {
    const config = configSchema.parse({
      metrics: { dd: { type: 'datadog' } },
      toggles: { f: { type: 'flipper', baseUrl: 'http://127.0.0.1:5000' } },
      state: { type: 'postgres', url: 'postgres://127.0.0.1/db' },
    });
    expect(config.metrics['dd']).toEqual({
      type: 'datadog',
      site: 'datadoghq.com',
      timeoutMs: 10_000,
      maxRetries: 3,
    });
    expect(config.toggles['f']).toMatchObject({ timeoutMs: 5_000, maxRetries: 3, percentageOff: 'post' });
    expect(config.state).toEqual({
      type: 'postgres',
      url: 'postgres://127.0.0.1/db',
      schema: 'stagegate',
      leaseSeconds: 15,
    });
  });

  it.each(DATADOG_SITES)('accepts the Datadog site %s', (site) => {
    expect(configSchema.safeParse({ metrics: { dd: { type: 'datadog', site } } }).success).toBe(true);
  });

  function messages(data: unknown): string[] {
    const result = configSchema.safeParse(data);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }

  it.each([
    [{ metrics: { dd: { type: 'datadog', site: 'datadoghq.org' } } }, /^metrics\.dd\.site: /],
    [
      { toggles: { f: { type: 'flipper', baseUrl: 'http://x', tokenEnv: 'sk-live abc' } } },
      /^toggles\.f\.tokenEnv: must be the name of an environment variable \(e\.g\. FLIPPER_API_TOKEN\), not the secret itself$/,
    ],
    [{ toggles: { f: { type: 'flipper', baseUrl: 'ftp://x' } } }, /^toggles\.f\.baseUrl: /],
    [
      { toggles: { f: { type: 'flipper', baseUrl: 'http://x', timeoutMs: 300_001 } } },
      /^toggles\.f\.timeoutMs: /,
    ],
    [{ metrics: { dd: { type: 'datadog', maxRetries: 11 } } }, /^metrics\.dd\.maxRetries: /],
    [
      { state: { type: 'postgres', url: 'postgres://x', schema: 'Bad-Name' } },
      /^state\.schema: must be a lowercase SQL identifier$/,
    ],
    [{ state: { type: 'postgres', url: 'postgres://x', leaseSeconds: 0 } }, /^state\.leaseSeconds: /],
    [{ server: { port: 65536 } }, /^server\.port: /],
    [{ log: { level: 'verbose' } }, /^log\.level: /],
    [
      { notifiers: { w: { type: 'webhook', url: 'http://x', secretFile: '' } } },
      /^notifiers\.w\.secretFile: must be the path of a file holding the secret$/,
    ],
    [{ rolloutDir: 'typo' }, /^: Unrecognized key: "rolloutDir"$/],
  ])('refuses %j', (data, message) => {
    const got = messages(data);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(message);
  });
});
