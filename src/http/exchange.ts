import { StagegateError } from '../errors.js';

/*
 * The vocabulary of the one outbound HTTP path (src/http/): a request, the raw
 * answer, the limits every exchange runs under, and the fetch variant used
 * when a caller injects its own fetch (tests, a proxy-aware fetch). Both
 * variants behave the same: no redirect followed, the body capped while it
 * is read, the caller's signal and the deadline honoured.
 */

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
  /** lower-cased names; absent from answers built by hand (tests) */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RawResponse extends HttpResponse {
  readonly headers: Readonly<Record<string, string>>;
}

export type FetchFn = typeof fetch;

/**
 * 8 MiB: a Datadog scalar answer for a check is a few KiB, a Flipper feature
 * document less; one Datadog answer without a cap drove `query` to 2.4 GB.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** A TCP (and TLS) connection that takes longer than this is a black-holed host, not a slow one. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export interface ExchangeLimits {
  readonly maxBytes: number;
  /** undefined: only the total deadline applies */
  readonly connectTimeoutMs?: number | undefined;
}

export const DEFAULT_LIMITS: ExchangeLimits = {
  maxBytes: DEFAULT_MAX_RESPONSE_BYTES,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
};

/** The request's path without query or credentials: safe for logs and error details. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function tooLarge(request: HttpRequest, maxBytes: number): StagegateError {
  return new StagegateError(
    'E_PROVIDER_TOO_LARGE',
    `${request.method} ${describeUrl(request.url)} answered more than ${maxBytes} bytes: stopped reading`,
    { method: request.method, url: describeUrl(request.url), maxBytes },
  );
}

/** Named like fetch's own timeouts, so every caller's timeout handling applies. */
export function connectTimeoutError(ms: number): Error {
  const err = new Error(`no connection within ${ms} ms`);
  err.name = 'TimeoutError';
  return Object.assign(err, { code: 'ETIMEDOUT' });
}

/** One exchange through an injected fetch, with the same guarantees as node-http.ts. */
export async function fetchExchange(
  fetchFn: FetchFn,
  request: HttpRequest,
  signal: AbortSignal,
  limits: ExchangeLimits,
): Promise<RawResponse> {
  const res = await fetchFn(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal,
    // a redirect is refused by the caller, never followed with the credentials
    redirect: 'manual',
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return { status: res.status, headers, body: await readCapped(res, request, limits.maxBytes) };
}

async function readCapped(res: Response, request: HttpRequest, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(request, maxBytes);
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(request, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
