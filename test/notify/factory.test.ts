import { describe, expect, it } from 'vitest';
import { createNotifier, createNotifiers, type NotifierConfig } from '../../src/notify/factory.js';
import { SlackNotifier } from '../../src/notify/slack.js';
import { WebhookNotifier } from '../../src/notify/webhook.js';
import { thrown } from '../stagegate-error.js';

const SLACK_URL = 'https://hooks.slack.com/services/T0/B0/s3cr3t';

describe('createNotifier', () => {
  it('builds a Slack notifier from the URL in the named environment variable', () => {
    const n = createNotifier(
      'slack-release',
      { type: 'slack', webhookEnv: 'SLACK_WEBHOOK_URL' },
      { SLACK_WEBHOOK_URL: SLACK_URL },
    );
    expect(n).toBeInstanceOf(SlackNotifier);
    expect(n.name).toBe('slack-release');
  });

  it('builds a webhook notifier, signed when secretEnv is set', () => {
    const config: NotifierConfig = {
      type: 'webhook',
      url: 'https://example.test/hook',
      secretEnv: 'HOOK_SECRET',
    };
    const n = createNotifier('release-hook', config, { HOOK_SECRET: 'hunter2' });
    expect(n).toBeInstanceOf(WebhookNotifier);
    expect(JSON.stringify(n)).toBe('{"type":"webhook","name":"release-hook","signed":true}');
    const unsigned = createNotifier('plain', { type: 'webhook', url: 'https://example.test/hook' }, {});
    expect(JSON.stringify(unsigned)).toBe('{"type":"webhook","name":"plain","signed":false}');
  });

  it.each<[string, NotifierConfig, Record<string, string>, string]>([
    [
      'a missing Slack URL variable',
      { type: 'slack', webhookEnv: 'SLACK_WEBHOOK_URL' },
      {},
      'notifiers.n.webhookEnv: environment variable SLACK_WEBHOOK_URL is not set (it must hold the Slack incoming webhook URL)',
    ],
    [
      'an empty Slack URL variable',
      { type: 'slack', webhookEnv: 'SLACK_WEBHOOK_URL' },
      { SLACK_WEBHOOK_URL: '  ' },
      'notifiers.n.webhookEnv: environment variable SLACK_WEBHOOK_URL is not set (it must hold the Slack incoming webhook URL)',
    ],
    [
      'a Slack variable that is not a URL',
      { type: 'slack', webhookEnv: 'SLACK_WEBHOOK_URL' },
      { SLACK_WEBHOOK_URL: 'xoxb-s3cr3t' },
      'notifiers.n: notifiers.n.webhookEnv does not hold an http(s) URL',
    ],
    [
      'a missing signing secret',
      { type: 'webhook', url: 'https://example.test/hook', secretEnv: 'HOOK_SECRET' },
      {},
      'notifiers.n.secretEnv: environment variable HOOK_SECRET is not set (it must hold the signing secret)',
    ],
  ])(
    'refuses %s with E_CONFIG_INVALID naming the variable, not its value',
    (_label, config, env, message) => {
      const err = thrown(() => createNotifier('n', config, env));
      expect(err.code).toBe('E_CONFIG_INVALID');
      expect(err.message).toBe(message);
      expect(JSON.stringify(err.details)).not.toContain('s3cr3t');
    },
  );

  it('throws E_UNKNOWN_TYPE for a type it does not know', () => {
    const config = JSON.parse('{"type":"email","to":"x@example.test"}') as NotifierConfig;
    const err = thrown(() => createNotifier('mail', config, {}));
    expect(err.code).toBe('E_UNKNOWN_TYPE');
    expect(err.message).toBe('notifier mail: unknown type "email"');
  });
});

describe('createNotifiers', () => {
  it('builds every configured notifier by name', () => {
    const map = createNotifiers(
      {
        'slack-release': { type: 'slack', webhookEnv: 'SLACK_WEBHOOK_URL' },
        'release-hook': { type: 'webhook', url: 'https://example.test/hook' },
      },
      { SLACK_WEBHOOK_URL: SLACK_URL },
    );
    expect([...map.keys()]).toEqual(['slack-release', 'release-hook']);
    expect(map.get('release-hook')?.name).toBe('release-hook');
  });
});
