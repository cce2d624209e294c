import pRetry, { AbortError } from 'p-retry';
import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CallNotes } from '../providers/toggles/call-log.js';
import { scrubWith } from '../secrets/scrubber.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  describeUrl,
  fetchExchange,
  type ExchangeLimits,
  type FetchFn,
  type HttpRequest,
  type HttpResponse,
} from './exchange.js';
import { exchange } from './node-http.js';

export { describeUrl, type FetchFn, type HttpRequest, type HttpResponse } from './exchange.js';

/*
 * The retrying HTTP path of the toggle providers (built on the one exchange
 * of exchange.ts / node-http.ts that Datadog and the notifiers use too): a
 * timeout per attempt, retries with exponential backoff on network errors,
 * timeouts and 5xx, and none on 4xx (a rejected write will be rejected again;
 * retrying only delays the rollback) nor on an answer over the size cap.
 * Responses below 500 are returned for the provider to interpret.
 */

export interface RetryPolicy {
  /** retries after the first attempt */
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly factor: number;
  /** jitter, so that several controllers do not retry in lockstep */
  readonly randomize: boolean;
}

/** The delays, without the count (that comes from the provider's `maxRetries`). Injectable so tests are fast. */
export type RetryDelays = Omit<RetryPolicy, 'retries'>;

export const DEFAULT_RETRY_DELAYS: RetryDelays = {
  minTimeoutMs: 500,
  maxTimeoutMs: 5_000,
  factor: 2,
  randomize: true,
};

export interface HttpOptions {
  /** a fetch to send with instead of node:http (tests, or a proxy-aware fetch); see node-http.ts */
  readonly fetch?: FetchFn | undefined;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  /** identifies the call in retry log lines */
  readonly logFields: Readonly<Record<string, unknown>>;
  /** values (tokens) scrubbed from any text that reaches an error or a log line, besides every registered secret */
  readonly secrets: readonly string[];
  /** default 8 MiB (DEFAULT_MAX_RESPONSE_BYTES) */
  readonly maxResponseBytes?: number | undefined;
  /** default 5 s, never more than timeoutMs */
  readonly connectTimeoutMs?: number | undefined;
}

/** What an HTTP toggle provider is configured with; `httpOptionsFor` turns it into one call's options. */
export type HttpTransport = Pick<HttpOptions, 'fetch' | 'timeoutMs' | 'retry' | 'logger'>;

export function httpOptionsFor(
  transport: HttpTransport,
  logFields: { readonly provider: string; readonly feature: string; readonly action: string },
  secrets: readonly string[],
): HttpOptions {
  const { fetch, timeoutMs, retry, logger } = transport;
  return { fetch, timeoutMs, retry, logger, logFields, secrets };
}

/** A failure worth another attempt. Never leaves this module. */
class TransientFailure extends Error {
  constructor(
    readonly reason: 'timeout' | 'network' | 'server-error',
    readonly status: number | null,
    readonly responseBody: string | null,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

export async function sendWithRetry(
  request: HttpRequest,
  options: HttpOptions,
  notes: CallNotes,
  signal?: AbortSignal,
): Promise<HttpResponse> {
  const limits = limitsOf(options);
  const attempt = async (): Promise<HttpResponse> => {
    notes.attempts += 1;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      // A redirect usually means a login page in front of the API: report it, do not follow it.
      const res = options.fetch
        ? await fetchExchange(options.fetch, request, combined, limits)
        : await exchange(request, combined, limits);
      notes.status = res.status;
      if (res.status >= 500) throw new TransientFailure('server-error', res.status, res.body);
      return res;
    } catch (err) {
      // over the size cap: the same answer would come back again
      if (err instanceof TransientFailure || err instanceof StagegateError) throw err;
      // The caller gave up (shutdown): stop at once and let its reason through.
      if (signal?.aborted) throw new AbortError(err instanceof Error ? err : new Error(String(err)));
      const reason = timeout.aborted ? 'timeout' : 'network';
      throw new TransientFailure(reason, null, null, { cause: err });
    }
  };

  try {
    return await pRetry(attempt, {
      retries: options.retry.retries,
      minTimeout: options.retry.minTimeoutMs,
      maxTimeout: options.retry.maxTimeoutMs,
      factor: options.retry.factor,
      randomize: options.retry.randomize,
      signal,
      // ref'd: a retry in flight is work; `run --once` must not exit 0 in the middle of it (issue 11 item 2)
      shouldRetry: ({ error }) => error instanceof TransientFailure,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (!(error instanceof TransientFailure) || retriesLeft === 0) return;
        options.logger.warn(
          {
            ...options.logFields,
            attempt: attemptNumber,
            retriesLeft,
            reason: error.reason,
            status: error.status,
          },
          'toggle request retrying',
        );
      },
    });
  } catch (err) {
    if (!(err instanceof TransientFailure)) throw err;
    const what =
      err.reason === 'server-error'
        ? `answered ${String(err.status)}`
        : err.reason === 'timeout'
          ? `did not answer within ${String(options.timeoutMs)} ms`
          : `could not be reached (${scrub(causeMessage(err.cause), options.secrets)})`;
    throw new StagegateError(
      'E_PROVIDER_UNREACHABLE',
      `${request.method} ${describeUrl(request.url)} ${what} after ${String(notes.attempts)} attempt(s)`,
      {
        method: request.method,
        url: describeUrl(request.url),
        reason: err.reason,
        status: err.status,
        attempts: notes.attempts,
        ...errorBodyFields(err.responseBody, options.secrets),
      },
    );
  }
}

function limitsOf(options: HttpOptions): ExchangeLimits {
  return {
    maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    connectTimeoutMs: Math.min(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, options.timeoutMs),
  };
}

/** undici hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
function causeMessage(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause;
  if (inner instanceof Error) return `${cause.message}: ${inner.message}`;
  return cause.message;
}

/**
 * Text from outside (an exception's message, a server's error body) may
 * quote the request, headers included: remove every registered secret
 * (src/secrets/scrubber.ts) and the caller's own from it.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  return scrubWith(text, secrets);
}

/** `{code, message, more_info}` (Flipper) or `{message}` from an error body, when it is JSON. */
export function errorBodyFields(body: string | null, secrets: readonly string[]): Record<string, unknown> {
  if (!body) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const fields: Record<string, unknown> = {};
  for (const key of ['code', 'message', 'more_info'] as const) {
    const value = (parsed as Record<string, unknown>)[key];
    const name = key === 'more_info' ? 'moreInfo' : key;
    if (typeof value === 'number') fields[name] = value;
    if (typeof value === 'string') fields[name] = scrub(value, secrets);
  }
  return fields;
}

/**
 * The typed error for an answer that is not a success and not worth a retry
 * (3xx, 4xx). 404 is left to the caller: for a read it means "no such
 * feature", for a write it means a wrong URL.
 */
export function errorForStatus(
  request: HttpRequest,
  response: HttpResponse,
  feature: string,
  secrets: readonly string[],
): StagegateError {
  const fields = errorBodyFields(response.body, secrets);
  const details = {
    feature,
    method: request.method,
    url: describeUrl(request.url),
    status: response.status,
    ...fields,
  };
  const said = typeof fields['message'] === 'string' ? `: ${fields['message']}` : '';
  const where = `${request.method} ${describeUrl(request.url)}`;
  if (response.status === 401 || response.status === 403) {
    return new StagegateError(
      'E_PROVIDER_AUTH',
      `${where} was refused (${String(response.status)}): check the token and its permissions${said}`,
      details,
    );
  }
  if (response.status === 429) {
    return new StagegateError('E_PROVIDER_RATE_LIMITED', `${where} was rate limited (429)${said}`, details);
  }
  if (response.status < 400) {
    return new StagegateError(
      'E_PROVIDER_RESPONSE',
      `${where} answered ${String(response.status)} (a redirect: is the API behind a login page?)`,
      details,
    );
  }
  return new StagegateError(
    'E_TOGGLE_REJECTED',
    `${where} rejected the change to ${feature} (${String(response.status)})${said}`,
    details,
  );
}
