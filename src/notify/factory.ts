import { StagegateError } from '../errors.js';
import type { Notifier } from '../ports/notifier.js';
import type { Config, SlackNotifierConfig, WebhookNotifierConfig } from '../config/schema.js';
import { SlackNotifier } from './slack.js';
import { WebhookNotifier } from './webhook.js';

/*
 * Notifiers named in config (DESIGN.md §6). Secrets are read from the
 * environment here, once, at start: a missing variable is a config error then,
 * not a failed notification during a rollback. Errors name the variable,
 * never its value.
 */

export type NotifierConfig = SlackNotifierConfig | WebhookNotifierConfig;

export type Env = Readonly<Record<string, string | undefined>>;

export interface NotifierFactoryOptions {
  /** per-request timeout (default 10 s) */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
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
      const webhookUrl = requireEnv(name, config.webhookEnv, env, 'the Slack incoming webhook URL');
      if (!isHttpUrl(webhookUrl)) {
        throw new StagegateError(
          'E_CONFIG_INVALID',
          `notifier ${name}: ${config.webhookEnv} does not hold an http(s) URL`,
          {
            notifier: name,
            env: config.webhookEnv,
          },
        );
      }
      return new SlackNotifier({ name, webhookUrl, timeoutMs, fetch: opts.fetch });
    }
    case 'webhook': {
      const secret =
        config.secretEnv === undefined
          ? undefined
          : requireEnv(name, config.secretEnv, env, 'the signing secret');
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

function requireEnv(notifier: string, variable: string, env: Env, what: string): string {
  const value = env[variable];
  if (value === undefined || value.trim() === '') {
    throw new StagegateError(
      'E_CONFIG_INVALID',
      `notifier ${notifier}: environment variable ${variable} is not set (it must hold ${what})`,
      { notifier, env: variable },
    );
  }
  return value.trim();
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
