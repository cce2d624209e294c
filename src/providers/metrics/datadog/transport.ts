import { AsyncLocalStorage } from 'node:async_hooks';
import type { client } from '@datadog/datadog-api-client';
import { StagegateError } from '../../../errors.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  fetchExchange,
  type ExchangeLimits,
  type HttpRequest,
  type RawResponse,
} from '../../../http/exchange.js';
import { exchange } from '../../../http/node-http.js';
import type { Secret } from '../../../secrets/secret-source.js';
import { DatadogFailure, DatadogHttpError } from './errors.js';

/*
 * The HTTP library we hand to `@datadog/datadog-api-client`. The client's own
 * library has no timeout, follows redirects (with the keys in the headers)
 * and has a built-in retry we do not want (we retry ourselves, honouring rate
 * limits across requests), so this one sends through the program's one
 * outbound exchange (src/http/: node:http, or an injected fetch) and:
 *   - aborts every request after `timeoutMs`, and when the caller's signal fires;
 *   - never follows a redirect: a 3xx is an error (the keys go to Datadog only);
 *   - stops reading an answer past `maxResponseBytes` (E_PROVIDER_TOO_LARGE);
 *   - reports each attempt (status and headers) to an observer, which records
 *     rate-limit headers and request/error counters;
 *   - throws DatadogHttpError for any non-2xx answer, carrying the headers the
 *     retry loop needs (X-RateLimit-Reset), so the client's own response
 *     processor only ever sees successes.
 *
 * The client API methods take no AbortSignal, so the caller's signal travels
 * to `send` through AsyncLocalStorage (`withCallSignal`).
 */

export interface AttemptObserver {
  /** every answer Datadog gave, successful or not */
  onResponse(status: number, headers: Readonly<Record<string, string>>): void;
  /** the request never got an answer (network error, timeout, cancel) */
  onNoResponse(err: unknown): void;
}

/** The keys as read now: a rotated apiKeyFile / appKeyFile is picked up by the next request. */
export interface DatadogKeys {
  readonly api: Secret;
  readonly app: Secret;
}

export interface FetchHttpLibraryOptions {
  /** when given, DD-API-KEY / DD-APPLICATION-KEY are set from these on every request */
  readonly keys?: DatadogKeys;
  /** the library's ResponseContext class (the library itself is loaded lazily, see client.ts) */
  readonly ResponseContext: typeof client.ResponseContext;
  /** undefined: node:http through src/http/node-http.ts */
  readonly fetch?: typeof fetch | undefined;
  readonly timeoutMs: number;
  readonly observer: AttemptObserver;
  /** default 8 MiB */
  readonly maxResponseBytes?: number | undefined;
}

const callSignal = new AsyncLocalStorage<AbortSignal | undefined>();

/** Runs `fn` so that the requests it makes through FetchHttpLibrary are cancelled with `signal`. */
export function withCallSignal<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return callSignal.run(signal, fn);
}

export class FetchHttpLibrary implements client.HttpLibrary {
  constructor(private readonly opts: FetchHttpLibraryOptions) {}

  async send(request: client.RequestContext): Promise<client.ResponseContext> {
    const caller = callSignal.getStore();
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = caller ? AbortSignal.any([timeout, caller]) : timeout;
    const outbound = toHttpRequest(request, this.opts.keys);
    const limits: ExchangeLimits = {
      maxBytes: this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      connectTimeoutMs: Math.min(DEFAULT_CONNECT_TIMEOUT_MS, this.opts.timeoutMs),
    };
    let res: RawResponse;
    try {
      // the body is read under the same deadline: a server that stalls mid-body is as down as one that never answers
      res = this.opts.fetch
        ? await fetchExchange(this.opts.fetch, outbound, signal, limits)
        : await exchange(outbound, signal, limits);
    } catch (err) {
      this.opts.observer.onNoResponse(err);
      if (err instanceof StagegateError && err.code === 'E_PROVIDER_TOO_LARGE') {
        throw new DatadogFailure('E_PROVIDER_TOO_LARGE', `Datadog ${err.message}`, { retryable: false });
      }
      throw err;
    }
    const { status, headers, body: text } = res;
    this.opts.observer.onResponse(status, headers);
    if (status < 200 || status > 299) throw new DatadogHttpError(status, { ...headers }, text);
    // the client would quietly turn an HTML page from a proxy into an empty answer, i.e. "no data"
    if (!isJsonObject(text)) {
      throw new DatadogFailure(
        'E_PROVIDER_RESPONSE',
        `Datadog answered HTTP ${status} with a body that is not a JSON object`,
        {
          retryable: false,
          status,
        },
      );
    }
    return new this.opts.ResponseContext(status, headers, {
      text: () => Promise.resolve(text),
      binary: () => Promise.resolve(Buffer.from(text)),
    });
  }
}

/** The library's request as ours; it only ever sends GET and POST with JSON text. */
function toHttpRequest(request: client.RequestContext, keys: DatadogKeys | undefined): HttpRequest {
  const method = request.getHttpMethod();
  if (method !== 'GET' && method !== 'POST' && method !== 'DELETE') {
    throw new DatadogFailure('E_PROVIDER_BAD_REQUEST', `internal: unsupported Datadog method ${method}`, {
      retryable: false,
    });
  }
  const body = request.getBody();
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : undefined;
  const url = new URL(request.getUrl());
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.getHeaders())) {
    const lower = name.toLowerCase();
    if (keys && (lower === 'dd-api-key' || lower === 'dd-application-key')) continue;
    headers[name] = value;
  }
  if (keys) {
    headers['DD-API-KEY'] = keys.api.get();
    headers['DD-APPLICATION-KEY'] = keys.app.get();
  }
  return text === undefined ? { method, url, headers } : { method, url, headers, body: text };
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
