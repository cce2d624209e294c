import { StagegateError } from '../errors.js';
import type { Notifier } from '../ports/notifier.js';
import type { Config, SlackNotifierConfig, WebhookNotifierConfig } from '../config/schema.js';
import { resolveSecret, type Secret, type SecretWarn } from '../secrets/secret-source.js';
import { SlackNotifier } from './slack.js';
import { WebhookNotifier } from './webhook.js';

/*
 * Notifiers named in config (DESIGN.md §6). Secrets are read here, at
 * start, from the environment (`*Env`) or a file (`*File`, re-read on change
 * by src/secrets/secret-source.ts): a missing variable or file is a config
 * error then, not a failed notification during a rollback. Errors name the
 * variable (when it looks like one) or the file, never a value.
 */

export type NotifierConfig = SlackNotifierConfig | WebhookNotifierConfig;

export type Env = Readonly<Record<string, string | undefined>>;

export interface NotifierFactoryOptions {
  /** per-request timeout (default 10 s) */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** told when a rotated secret file cannot be read (the last value is kept) */
  readonly warn?: SecretWarn;
}

export const DEFAULT_NOTIFY_TIMEOUT_MS = 10_000;

export function createNotifier(
  name: string,
  config: NotifierConfig,
  env: Env,
  opts: NotifierFactoryOptions = {},
): Notifier {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS;
  switch (config.type) {
    case 'slack': {
      const webhookUrl = resolveSecret(
        {
          key: `notifiers.${name}.webhook`,
          envName: config.webhookEnv,
          file: config.webhookFile,
          what: 'the Slack incoming webhook URL',
        },
        env,
        opts.warn,
      );
      if (webhookUrl === undefined || !isHttpUrl(webhookUrl.get())) {
        throw new StagegateError(
          'E_CONFIG_INVALID',
          `notifiers.${name}: ${webhookUrl?.origin ?? 'webhookEnv'} does not hold an http(s) URL`,
          { notifier: name },
        );
      }
      return new SlackNotifier({ name, webhookUrl, timeoutMs, fetch: opts.fetch });
    }
    case 'webhook': {
      const secret: Secret | undefined = resolveSecret(
        {
          key: `notifiers.${name}.secret`,
          envName: config.secretEnv,
          file: config.secretFile,
          what: 'the signing secret',
        },
        env,
        opts.warn,
      );
      return new WebhookNotifier({
        name,
        url: config.url,
        secret,
        timeoutMs,
        fetch: opts.fetch,
        now: opts.now,
      });
    }
    default: {
      const unknown: { readonly type?: unknown } = config;
      throw new StagegateError(
        'E_UNKNOWN_TYPE',
        `notifier ${name}: unknown type ${JSON.stringify(unknown.type)}`,
        {
          notifier: name,
          type: unknown.type,
        },
      );
    }
  }
}

/** every notifier in `config.notifiers`, by name */
export function createNotifiers(
  configs: Config['notifiers'],
  env: Env,
  opts: NotifierFactoryOptions = {},
): Map<string, Notifier> {
  return new Map(
    Object.entries(configs).map(([name, config]) => [name, createNotifier(name, config, env, opts)]),
  );
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
