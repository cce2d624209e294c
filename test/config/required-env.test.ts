import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/loader.js';
import { missingEnvironment, startupWarnings } from '../../src/config/required-env.js';

const CONFIG = `rolloutsDir: rollouts
metrics:
  datadog: { type: datadog, site: datadoghq.com }
  other: { type: datadog, site: datadoghq.com }
toggles:
  flipper: { type: flipper, baseUrl: "http://127.0.0.1:5000", tokenEnv: FLIPPER_API_TOKEN }
  files: { type: file, path: t.json }
notifiers:
  slack-release: { type: slack, webhookEnv: SLACK_WEBHOOK_URL }
  hook: { type: webhook, url: "http://127.0.0.1:9/x", secretFile: /run/secret }
server: { tokenEnv: STAGEGATE_API_TOKEN }
`;
const config = parseConfigText(CONFIG, 'c.yaml', {});

describe('missingEnvironment', () => {
  it('names every missing variable at once, Datadog keys once for all providers', () => {
    expect(missingEnvironment(config, {})).toEqual([
      'DD_API_KEY (metrics.datadog)',
      'DD_APP_KEY (metrics.datadog)',
      'FLIPPER_API_TOKEN (toggles.flipper.tokenEnv)',
      'SLACK_WEBHOOK_URL (notifiers.slack-release.webhookEnv)',
    ]);
  });

  it('counts a blank variable as missing, and nothing when all are set', () => {
    const env = { DD_API_KEY: 'k', DD_APP_KEY: ' ', FLIPPER_API_TOKEN: 't', SLACK_WEBHOOK_URL: 'u' };
    expect(missingEnvironment(config, env)).toEqual(['DD_APP_KEY (metrics.datadog)']);
    expect(missingEnvironment(config, { ...env, DD_APP_KEY: 'a' })).toEqual([]);
  });

  it('does not require server.tokenEnv: it warns that the API is read-only', () => {
    const env = { DD_API_KEY: 'k', DD_APP_KEY: 'a', FLIPPER_API_TOKEN: 't', SLACK_WEBHOOK_URL: 'u' };
    expect(missingEnvironment(config, env)).toEqual([]);
    expect(startupWarnings(config, { ...env, STAGEGATE_API_TOKEN: '' })).toEqual([
      {
        fields: { key: 'server.tokenEnv', variable: 'STAGEGATE_API_TOKEN' },
        message: 'server.tokenEnv names an empty variable: the API and status page are read-only',
      },
    ]);
    expect(startupWarnings(config, { ...env, STAGEGATE_API_TOKEN: 'x' })).toEqual([]);
  });
});
