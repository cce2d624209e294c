import { setTimeout as delay } from 'node:timers/promises';
import type * as ddAuthApi from '@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/apis/AuthenticationApi.js';
import type { v2 } from '@datadog/datadog-api-client';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../../../log.js';
import { staticSecret, type Secret } from '../../../secrets/secret-source.js';
import { createApis, createAuthApi, type Apis } from './apis.js';

export { preloadDatadogLibrary } from './library.js';
import { DatadogFailure, DatadogHttpError, classifyFailure, scrubSecrets } from './errors.js';
import { DEFAULT_MAX_RATE_LIMIT_WAIT_MS, headerWaitMs } from '../../../http/retry-after.js';
import { RateLimitGate, isBudgetLow, parseRateLimitHeaders, type RateLimitInfo } from './rate-limit.js';
import { withCallSignal, type AttemptObserver, type DatadogKeys } from './transport.js';

/*
 * A polite Datadog client: the official API classes for request building,
 * auth headers, site selection and (de)serialization; our fetch transport
 * for timeouts; and one retry loop (p-retry) for every call:
 *   - 5xx, 408, timeouts and network errors: retried with exponential backoff
 *     and jitter, at most `retries` times;
 *   - 429: the provider-wide gate closes until X-RateLimit-Reset or
 *     Retry-After (+ jitter; seconds, epoch seconds or ms, or a date), never
 *     longer than `maxRateLimitWaitMs` (30 s, or less: the runtime passes its
 *     shortest check interval); the retry waits there, unless the header
 *     asked for more than the cap, in which case calls fail at once until the
 *     gate reopens (the next check tries again) instead of hanging a check;
 *   - 400/401/403/other 4xx: not retried; the failure says why.
 * Every method resolves with Datadog's answer or rejects with a DatadogFailure.
 * The API classes are configured on first use (apis.ts).
 */

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface DatadogClientOptions {
  readonly site: string;
  /** overrides the site, e.g. http://127.0.0.1:8126 for the sandbox */
  readonly baseUrl?: string | undefined;
  /** the key, or where to read it on each request (apiKeyFile: re-read when the file changes) */
  readonly apiKey: string | Secret;
  readonly appKey: string | Secret;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly logger: Logger;
  /** first backoff delay; doubles per retry (default 500 ms) */
  readonly minRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /**
   * the longest any header-driven wait lasts (default 30 s): a reset further
   * away fails calls until then instead of waiting; pass the shortest check
   * interval when it is shorter
   */
  readonly maxRateLimitWaitMs?: number;
  /** default: node:http through src/http/ (no redirects, capped bodies) */
  readonly fetch?: typeof fetch;
  /** an answer larger than this is an error (default 8 MiB) */
  readonly maxResponseBytes?: number;
  readonly sleep?: Sleep;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface ProviderStats {
  /** HTTP requests sent, retries included */
  readonly requests: number;
  /** of those, the ones that failed (no answer, or a non-2xx answer) */
  readonly errors: number;
}

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : {});

export class DatadogClient implements AttemptObserver {
  /** where requests go, for logs: https://api.<site> or the baseUrl */
  readonly endpoint: string;
  private apis: Promise<Apis> | undefined;
  private auth: Promise<ddAuthApi.AuthenticationApi> | undefined;
  private readonly gate: RateLimitGate;
  private readonly sleep: Sleep;
  private readonly keys: DatadogKeys;
  private requests = 0;
  private errors = 0;

  constructor(private readonly opts: DatadogClientOptions) {
    this.endpoint = this.baseUrl() ?? `https://api.${opts.site}`;
    this.gate = new RateLimitGate({
      now: opts.now ?? Date.now,
      random: opts.random ?? Math.random,
      jitterMs: 1000,
      maxCloseMs: this.maxWaitMs(),
    });
    this.sleep = opts.sleep ?? defaultSleep;
    this.keys = {
      api: typeof opts.apiKey === 'string' ? staticSecret(opts.apiKey, 'DD_API_KEY') : opts.apiKey,
      app: typeof opts.appKey === 'string' ? staticSecret(opts.appKey, 'DD_APP_KEY') : opts.appKey,
    };
  }

  private maxWaitMs(): number {
    return this.opts.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS;
  }

  private baseUrl(): string | undefined {
    return this.opts.baseUrl?.replace(/\/+$/, '') || undefined;
  }

  /** The API classes, configured once on first use. */
  private api(): Promise<Apis> {
    this.apis ??= createApis({
      site: this.opts.site,
      baseUrl: this.baseUrl(),
      keys: this.keys,
      fetch: this.opts.fetch,
      timeoutMs: this.opts.timeoutMs,
      maxResponseBytes: this.opts.maxResponseBytes,
      observer: this,
    });
    return this.apis;
  }

  /** The v1 authentication API, loaded and configured on first use (only after an auth failure). */
  private authApi(): Promise<ddAuthApi.AuthenticationApi> {
    this.auth ??= createAuthApi(this.api());
    return this.auth;
  }

  queryScalar(
    body: v2.ScalarFormulaQueryRequest,
    signal?: AbortSignal,
  ): Promise<v2.ScalarFormulaQueryResponse> {
    return this.call(
      'metrics query',
      async () => (await this.api()).metrics.queryScalarData({ body }),
      signal,
    );
  }

  aggregateLogs(body: v2.LogsAggregateRequest, signal?: AbortSignal): Promise<v2.LogsAggregateResponse> {
    return this.call('logs aggregate', async () => (await this.api()).logs.aggregateLogs({ body }), signal);
  }

  aggregateRum(
    body: v2.RUMAggregateRequest,
    signal?: AbortSignal,
  ): Promise<v2.RUMAnalyticsAggregateResponse> {
    return this.call(
      'RUM aggregate',
      async () => (await this.api()).rum.aggregateRUMEvents({ body }),
      signal,
    );
  }

  /**
   * Asks /api/v1/validate whether the API key is good (it checks the API key
   * only), to tell a bad API key from an application key without permission.
   * undefined: could not tell (Datadog down, throttled).
   */
  async validateApiKey(signal?: AbortSignal): Promise<boolean | undefined> {
    if (this.gate.waitMs() > 0) return undefined;
    try {
      const auth = await this.authApi();
      const answer = await withCallSignal(signal, () => auth.validate());
      return answer.valid === true;
    } catch (err) {
      if (err instanceof DatadogHttpError && (err.status === 401 || err.status === 403)) return false;
      return undefined;
    }
  }

  rateLimit(): RateLimitInfo | undefined {
    return this.gate.last();
  }

  stats(): ProviderStats {
    return { requests: this.requests, errors: this.errors };
  }

  onResponse(status: number, headers: Readonly<Record<string, string>>): void {
    this.requests += 1;
    if (status >= 400) this.errors += 1;
    const info = parseRateLimitHeaders(headers);
    if (!info) {
      this.opts.logger.debug({ status }, 'datadog response');
      return;
    }
    const before = info.name ? this.gate.all().get(info.name) : this.gate.last();
    this.gate.observe(info);
    this.opts.logger.debug({ status, rateLimit: info }, 'datadog response');
    // warn once when the budget turns low, not on every answer while it stays low
    if (isBudgetLow(info) && (!before || !isBudgetLow(before))) {
      this.opts.logger.warn({ rateLimit: info }, 'datadog rate-limit budget low');
    }
  }

  onNoResponse(): void {
    this.requests += 1;
    this.errors += 1;
  }

  private async call<T>(
    operation: string,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const minDelay = this.opts.minRetryDelayMs ?? 500;
    const maxDelay = this.opts.maxRetryDelayMs ?? 8000;
    try {
      return await pRetry(
        async () => {
          await this.passGate(operation, signal);
          try {
            return await withCallSignal(signal, fn);
          } catch (err) {
            const failure = this.describe(err, operation);
            if (failure.code === 'E_PROVIDER_RATE_LIMITED' && err instanceof DatadogHttpError) {
              const now = (this.opts.now ?? Date.now)();
              const asked =
                headerWaitMs(err.headers['x-ratelimit-reset'], now) ??
                headerWaitMs(err.headers['retry-after'], now);
              const closing = this.gate.close(asked, maxDelay);
              this.opts.logger.warn(
                {
                  operation,
                  waitMs: closing.waitMs,
                  requestedMs: closing.requestedMs,
                  capped: closing.capped,
                  rateLimit: this.gate.last(),
                },
                'datadog rate limited',
              );
            }
            if (!failure.retryable) throw new AbortError(failure);
            throw failure;
          }
        },
        {
          retries: this.opts.retries,
          factor: 2,
          minTimeout: minDelay,
          maxTimeout: maxDelay,
          randomize: true,
          signal,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft <= 0) return;
            const code = error instanceof DatadogFailure ? error.code : undefined;
            this.opts.logger.warn(
              { operation, attempt: attemptNumber, retriesLeft, code, reason: error.message },
              'datadog request failed, retrying',
            );
          },
        },
      );
    } catch (err) {
      throw this.describe(err, operation);
    }
  }

  private async passGate(operation: string, signal: AbortSignal | undefined): Promise<void> {
    const waitMs = this.gate.waitMs();
    if (waitMs === 0) return;
    if (this.gate.failsFast()) {
      throw new AbortError(
        new DatadogFailure(
          'E_PROVIDER_RATE_LIMITED',
          `Datadog rate limit exhausted: its reset is beyond the ${Math.round(this.maxWaitMs() / 1000)} s cap on waits; no ${operation} goes out for ${Math.ceil(waitMs / 1000)} s`,
          { retryable: false, status: 429 },
        ),
      );
    }
    this.opts.logger.debug({ operation, waitMs }, 'datadog waiting for rate-limit reset');
    await this.sleep(waitMs, signal);
  }

  private describe(err: unknown, operation: string): DatadogFailure {
    const failure = classifyFailure(err, { operation, timeoutMs: this.opts.timeoutMs });
    const message = scrubSecrets(failure.message, [this.keys.api.get(), this.keys.app.get()]);
    if (message === failure.message) return failure;
    return new DatadogFailure(failure.code, message, {
      retryable: failure.retryable,
      ...(failure.status === undefined ? {} : { status: failure.status }),
    });
  }
}
