import { AsyncLocalStorage } from 'node:async_hooks';
import type { client } from '@datadog/datadog-api-client';
import { DatadogFailure, DatadogHttpError } from './errors.js';

/*
 * The HTTP library we hand to `@datadog/datadog-api-client`. The client's own
 * library has no timeout and a built-in retry we do not want (we retry
 * ourselves, honouring rate limits across requests), so this one is a thin
 * global-fetch transport that:
 *   - aborts every request after `timeoutMs`, and when the caller's signal fires;
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

export interface FetchHttpLibraryOptions {
  /** the library's ResponseContext class (the library itself is loaded lazily, see client.ts) */
  readonly ResponseContext: typeof client.ResponseContext;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly observer: AttemptObserver;
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
    const body = request.getBody();
    let status: number;
    let headers: Record<string, string>;
    let text: string;
    try {
      const res = await this.opts.fetch(request.getUrl(), {
        method: request.getHttpMethod(),
        headers: request.getHeaders(),
        body: typeof body === 'string' || Buffer.isBuffer(body) ? body : undefined,
        signal,
      });
      status = res.status;
      headers = {};
      res.headers.forEach((value, key) => {
        headers[key] = value;
      });
      // read the body under the same deadline: a server that stalls mid-body is as down as one that never answers
      text = await res.text();
    } catch (err) {
      this.opts.observer.onNoResponse(err);
      throw err;
    }
    this.opts.observer.onResponse(status, headers);
    if (status < 200 || status > 299) throw new DatadogHttpError(status, headers, text);
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

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
