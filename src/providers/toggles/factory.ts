import { resolve } from 'node:path';
import { StagegateError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import type { ToggleProvider } from '../../ports/toggle-provider.js';
import type { Config } from '../../config/schema.js';
import { FileToggleProvider } from './file.js';
import { FlipperToggleProvider } from './flipper.js';
import {
  DEFAULT_RETRY_DELAYS,
  type FetchFn,
  type RetryDelays,
  type RetryPolicy,
} from '../../http/http-client.js';
import { resolveSecret, type SecretWarn } from '../../secrets/secret-source.js';
import { MemoryToggleProvider } from './memory.js';
import { WebhookToggleProvider } from './webhook.js';

/*
 * Builds the toggle provider a config entry names (`toggles.<name>` in
 * config/stagegate.yaml). Secrets are read here, from the environment
 * variables the config names, and only handed to the provider: a missing
 * variable fails at start-up, not at the first rollback.
 */

/** A `toggles:` entry of the config, or `memory` for `simulate` and tests. */
export type ToggleProviderConfig = Config['toggles'][string] | { readonly type: 'memory' };

export interface ToggleProviderDeps {
  readonly logger?: Logger;
  /** where `tokenEnv` / `secretEnv` are looked up; default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly fetch?: FetchFn;
  /** retry backoff; the retry count is the entry's `maxRetries` */
  readonly retryDelays?: Partial<RetryDelays>;
  /** directory a relative file `path` is resolved against; default process.cwd() */
  readonly baseDir?: string;
}

export function createToggleProvider(
  name: string,
  config: ToggleProviderConfig,
  deps: ToggleProviderDeps = {},
): ToggleProvider {
  // Every log line of a provider carries `provider: <name>` already.
  const logger = deps.logger ?? silentLogger();
  const env = deps.env ?? process.env;
  switch (config.type) {
    case 'flipper': {
      const token = resolveSecret(
        { key: `toggles.${name}.token`, envName: config.tokenEnv, file: config.tokenFile },
        env,
        warnFor(logger),
      );
      return new FlipperToggleProvider({
        name,
        baseUrl: config.baseUrl,
        token,
        tokenHeader: config.tokenHeader,
        percentageOff: config.percentageOff,
        timeoutMs: config.timeoutMs,
        retry: retryPolicy(config.maxRetries, deps.retryDelays),
        logger,
        fetch: deps.fetch,
      });
    }
    case 'webhook': {
      const secret = resolveSecret(
        { key: `toggles.${name}.secret`, envName: config.secretEnv, file: config.secretFile },
        env,
        warnFor(logger),
      );
      return new WebhookToggleProvider({
        name,
        url: config.url,
        stateUrl: config.stateUrl,
        secret,
        timeoutMs: config.timeoutMs,
        retry: retryPolicy(config.maxRetries, deps.retryDelays),
        logger,
        fetch: deps.fetch,
      });
    }
    case 'file':
      return new FileToggleProvider({
        name,
        path: resolve(deps.baseDir ?? process.cwd(), config.path),
        logger,
      });
    case 'memory':
      return new MemoryToggleProvider({ name, logger });
    default: {
      // Reached only by configs that bypassed the schema (e.g. built in code).
      const type: unknown = (config as { type?: unknown }).type;
      throw new StagegateError(
        'E_UNKNOWN_TYPE',
        `toggles.${name}: unknown toggle provider type ${JSON.stringify(type)}`,
        {
          provider: name,
          type,
          known: ['flipper', 'webhook', 'file', 'memory'],
        },
      );
    }
  }
}

function retryPolicy(retries: number, delays: Partial<RetryDelays> | undefined): RetryPolicy {
  return { ...DEFAULT_RETRY_DELAYS, ...delays, retries };
}

/** Secrets come from `*Env` or `*File` (re-read on change): src/secrets/secret-source.ts. */
function warnFor(logger: Logger): SecretWarn {
  return (fields, message) => logger.warn(fields, message);
}
