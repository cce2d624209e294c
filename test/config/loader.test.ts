import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/loader.js';
import { scrub } from '../../src/secrets/scrubber.js';
import { configProblems, EMPTY_CONFIG, resetSecretsAfterEach } from './helpers.js';

resetSecretsAfterEach();

describe('loadConfig', () => {
  it('reads config/stagegate.yaml with no variable set, using the FLIPPER_API_URL default', async () => {
    const config = await loadConfig('config/stagegate.yaml', {});
    expect(config).toEqual({
      rolloutsDir: 'rollouts',
      state: { type: 'file', dir: '.stagegate' },
      metrics: { datadog: { type: 'datadog', site: 'ddog-gov.com', timeoutMs: 10_000, maxRetries: 3 } },
      toggles: {
        flipper: {
          type: 'flipper',
          baseUrl: 'http://127.0.0.1:5000/flipper/api',
          tokenEnv: 'FLIPPER_API_TOKEN',
          timeoutMs: 5_000,
          maxRetries: 3,
          percentageOff: 'post',
        },
        local: { type: 'file', path: '.stagegate/toggles.json' },
      },
      notifiers: { 'slack-release': { type: 'slack', webhookEnv: 'SLACK_WEBHOOK_URL' } },
      server: { enabled: true, host: '127.0.0.1', port: 8080, tokenEnv: 'STAGEGATE_API_TOKEN' },
      log: { level: 'info' },
    });
  });

  it('takes FLIPPER_API_URL from the environment when set', async () => {
    const config = await loadConfig('config/stagegate.yaml', {
      FLIPPER_API_URL: 'https://api.va.gov/flipper/api',
    });
    expect(config.toggles.flipper).toMatchObject({
      type: 'flipper',
      baseUrl: 'https://api.va.gov/flipper/api',
    });
  });

  it('applies every default to an empty mapping', () => {
    expect(parseConfigText('{}\n', 'c.yaml', {})).toEqual(EMPTY_CONFIG);
  });

  it('retypes a value that is exactly one reference, and keeps mixed text a string', () => {
    const config = parseConfigText(
      'server: { port: "${PORT:-9090}", host: "${HOST}" }\nrolloutsDir: "${DIR}/r"\n',
      'c.yaml',
      {
        HOST: '0.0.0.0',
        DIR: '42',
      },
    );
    expect(config.server).toEqual({ enabled: true, host: '0.0.0.0', port: 9090 });
    expect(config.rolloutsDir).toBe('42/r');
  });

  it('never interpolates keys', () => {
    expect(configProblems('toggles:\n  ${NAME}: { type: file, path: x }\n')).toEqual([]);
  });

  it('reports an unset variable at its position in the value', () => {
    expect(
      configProblems('toggles:\n  flipper:\n    type: flipper\n    baseUrl: "https://${FLIPPER_HOST}/api"\n'),
    ).toEqual([
      'c.yaml:4:23: toggles.flipper.baseUrl: environment variable FLIPPER_HOST is not set (or give a default: ${FLIPPER_HOST:-...})',
    ]);
  });

  it('does not quote interpolated values in schema errors (they may be secrets)', () => {
    const lines = configProblems('log: { level: "${LEVEL}" }\n', { LEVEL: 's3cr3t-token' });
    expect(lines).toEqual(['c.yaml:1:15: log.level: must be one of trace, debug, info, warn, error, fatal']);
    expect(lines.join('\n')).not.toContain('s3cr3t');
  });

  it.each([
    [
      'metrics: { dd: { type: datadogg } }\n',
      ['c.yaml:1:24: metrics.dd.type: must be one of datadog (did you mean "datadog"?)'],
    ],
    ['metrics: { dd: { site: datadoghq.com } }\n', ['c.yaml:1:16: metrics.dd: missing required key "type"']],
    [
      'metrics: { dd: { type: datadog, site: datadog.com } }\n',
      [
        'c.yaml:1:39: metrics.dd.site: must be one of datadoghq.com, us3.datadoghq.com, us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ap2.datadoghq.com, ddog-gov.com, us2.ddog-gov.com (did you mean "datadoghq.com"?)',
      ],
    ],
    [
      'toggles: { f: { type: flipper, baseUrl: "not a url" } }\n',
      ['c.yaml:1:41: toggles.f.baseUrl: Invalid URL'],
    ],
    [
      'toggles: { f: { type: flipper, baseUrl: "http://x", token: abc } }\n',
      ['c.yaml:1:53: toggles.f.token: unknown key (did you mean "tokenEnv"?)'],
    ],
    [
      'toggles: { f: { type: flipper, baseUrl: "http://x", tokenEnv: "my token" } }\n',
      [
        'c.yaml:1:63: toggles.f.tokenEnv: must be the name of an environment variable (e.g. FLIPPER_API_TOKEN), not the secret itself',
      ],
    ],
    ['server: { port: 70000 }\n', ['c.yaml:1:17: server.port: must be <= 65535']],
    ['rolloutDir: rollouts\n', ['c.yaml:1:1: rolloutDir: unknown key (did you mean "rolloutsDir"?)']],
    ['state: { type: redis }\n', ['c.yaml:1:16: state.type: must be one of file, memory, postgres']],
    [
      '- a\n- b\n',
      [
        'c.yaml:1:1: expected a config mapping (rolloutsDir, state, metrics, toggles, ...) at the top level, got a list',
      ],
    ],
    ['log: { level: info }\nlog: { level: debug }\n', ['c.yaml:2:1: duplicate key "log"']],
  ])('%j', (text, lines) => {
    expect(configProblems(text)).toEqual(lines);
  });

  it('throws E_CONFIG_INVALID naming a missing file', async () => {
    await expect(loadConfig('config/nope.yaml')).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
      message: 'config/nope.yaml: cannot read the config file: no such file or directory',
    });
  });

  describe('from a file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'stagegate-config-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('keeps relative paths as written (they resolve against the working directory)', async () => {
      const path = join(dir, 'stagegate.yaml');
      await writeFile(path, 'rolloutsDir: deploy/rollouts\nstate: { type: file, dir: var/state }\n');
      const config = await loadConfig(path, {});
      expect(config.rolloutsDir).toBe('deploy/rollouts');
      expect(config.state).toEqual({ type: 'file', dir: 'var/state' });
    });
  });
});

// issue 13: loading fills the one scrubber before any message can quote a secret
describe('loadConfig / parseConfigText register the secrets the config points at', () => {
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
