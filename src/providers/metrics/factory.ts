import { StagegateError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import type { Config } from '../../config/schema.js';
import { fileSecret, staticSecret, type Secret, type SecretWarn } from '../../secrets/secret-source.js';
import { DatadogClient, type Sleep } from './datadog/client.js';
import { DatadogMetricsProvider, type InstrumentedMetricsProvider } from './datadog/provider.js';

/*
 * Metrics providers from config (`metrics:` in config/stagegate.yaml). The
 * Datadog keys come from the environment — DD_API_KEY and DD_APP_KEY — or
 * from files (`apiKeyFile` / `appKeyFile`, re-read when they change, so a
 * mounted secret rotates without a restart); a missing one is a
 * configuration error naming the variable or file, raised when the provider
 * is created so the controller fails at start, not at 3 a.m.
 */

export type MetricsProviderConfig = Config['metrics'][string];

export interface MetricsProviderDeps {
  /** where DD_API_KEY / DD_APP_KEY are read from */
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  readonly fetch?: typeof fetch;
  /** test seams: waiting for a rate-limit reset, the clock, jitter, backoff */
  readonly sleep?: Sleep;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly minRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** the cap on header-driven waits: pass the shortest check interval when under 30 s */
  readonly maxRateLimitWaitMs?: number;
  /** the cap on one answer (default 8 MiB) */
  readonly maxResponseBytes?: number;
}

function requiredKey(
  env: NodeJS.ProcessEnv,
  variable: 'DD_API_KEY' | 'DD_APP_KEY',
  provider: string,
  file: string | undefined,
  warn: SecretWarn | undefined,
): Secret {
  if (file !== undefined) {
    const key = variable === 'DD_API_KEY' ? 'apiKeyFile' : 'appKeyFile';
    return fileSecret(file, `metrics.${provider}.${key}`, warn);
  }
  const value = env[variable]?.trim();
  if (!value) {
    const what = variable === 'DD_API_KEY' ? 'an API key' : 'an application key';
    throw new StagegateError(
      'E_CONFIG_INVALID',
      `${variable} is not set: metrics provider "${provider}" needs ${what} in the environment`,
      { provider, variable },
    );
  }
  return staticSecret(value, variable);
}

export function createMetricsProvider(
  name: string,
  config: MetricsProviderConfig,
  deps: MetricsProviderDeps,
): InstrumentedMetricsProvider {
  switch (config.type) {
    case 'datadog': {
      const logger = (deps.logger ?? silentLogger()).child({ provider: name });
      const warn: SecretWarn = (fields, message) => logger.warn(fields, message);
      const client = new DatadogClient({
        site: config.site,
        baseUrl: config.baseUrl,
        apiKey: requiredKey(deps.env, 'DD_API_KEY', name, config.apiKeyFile, warn),
        appKey: requiredKey(deps.env, 'DD_APP_KEY', name, config.appKeyFile, warn),
        timeoutMs: config.timeoutMs,
        retries: config.maxRetries,
        logger,
        ...(deps.fetch && { fetch: deps.fetch }),
        ...(deps.sleep && { sleep: deps.sleep }),
        ...(deps.now && { now: deps.now }),
        ...(deps.random && { random: deps.random }),
        ...(deps.minRetryDelayMs !== undefined && { minRetryDelayMs: deps.minRetryDelayMs }),
        ...(deps.maxRetryDelayMs !== undefined && { maxRetryDelayMs: deps.maxRetryDelayMs }),
        ...(deps.maxRateLimitWaitMs !== undefined && { maxRateLimitWaitMs: deps.maxRateLimitWaitMs }),
        ...(deps.maxResponseBytes !== undefined && { maxResponseBytes: deps.maxResponseBytes }),
      });
      return new DatadogMetricsProvider(name, client, logger);
    }
    default: {
      const type = (config as { type?: unknown }).type;
      throw new StagegateError(
        'E_UNKNOWN_TYPE',
        `metrics provider "${name}" has unknown type "${String(type)}" (known: datadog)`,
        {
          provider: name,
          type,
        },
      );
    }
  }
}

/** Every provider of `config.metrics`, by name. */
export function createMetricsProviders(
  config: Pick<Config, 'metrics'>,
  deps: MetricsProviderDeps,
): Map<string, InstrumentedMetricsProvider> {
  const out = new Map<string, InstrumentedMetricsProvider>();
  for (const [name, entry] of Object.entries(config.metrics))
    out.set(name, createMetricsProvider(name, entry, deps));
  return out;
}

/** The provider a metric reads from: the one it names, else the only one configured (DESIGN.md §2). */
export function metricsProviderNameFor(
  requested: string | undefined,
  config: Pick<Config, 'metrics'>,
): string {
  const names = Object.keys(config.metrics);
  if (requested !== undefined) {
    if (!names.includes(requested)) {
      throw new StagegateError(
        'E_CONFIG_INVALID',
        `metrics provider "${requested}" is not configured (configured: ${names.join(', ') || 'none'})`,
      );
    }
    return requested;
  }
  if (names.length === 1) return names[0] as string;
  throw new StagegateError(
    'E_CONFIG_INVALID',
    names.length === 0
      ? 'no metrics provider is configured (config `metrics:`)'
      : `several metrics providers are configured (${names.join(', ')}): the metric must name one with \`provider:\``,
  );
}
