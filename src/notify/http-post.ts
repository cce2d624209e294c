import { StagegateError, type ErrorCode } from '../errors.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  fetchExchange,
  type HttpRequest,
  type RawResponse,
} from '../http/exchange.js';
import { exchange } from '../http/node-http.js';
import { DEFAULT_MAX_RATE_LIMIT_WAIT_MS, cappedWaitMs, headerWaitMs } from '../http/retry-after.js';

/*
 * One JSON POST through the program's one outbound exchange (src/http/: no
 * redirect followed, the answer capped while read, connect and total
 * timeouts, the caller's signal), failures turned into
 * StagegateErrors the dispatcher can act on: `details.retryable` says whether
 * trying again can help (a 5xx, a timeout, a 429) or not (a revoked Slack
 * webhook answers 404/410, a bad payload 400). Messages name the notifier and
 * never the URL: a Slack webhook URL is a credential.
 */

export interface PostJsonRequest {
  /** the notifier's name, for error messages */
  readonly notifier: string;
  readonly url: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** the caller's cancellation (dispatcher shutdown) */
  readonly signal?: AbortSignal;
  /** default: node:http (src/http/node-http.ts) */
  readonly fetch?: typeof fetch;
  /** the clock Retry-After dates are read against (tests) */
  readonly now?: () => number;
}

const MAX_BODY_IN_MESSAGE = 200;
/** Slack answers "ok", a webhook receiver a short JSON: more is not an answer worth reading. */
const MAX_NOTIFY_RESPONSE_BYTES = 64 * 1024;

export async function postJson(req: PostJsonRequest): Promise<void> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const request: HttpRequest = {
    method: 'POST',
    url: new URL(req.url),
    headers: { 'content-type': 'application/json', 'user-agent': 'stagegate', ...req.headers },
    body: req.body,
  };
  const limits = {
    maxBytes: MAX_NOTIFY_RESPONSE_BYTES,
    connectTimeoutMs: Math.min(DEFAULT_CONNECT_TIMEOUT_MS, req.timeoutMs),
  };
  let res: RawResponse;
  try {
    // a signed payload is not re-sent wherever a redirect points; a 3xx is a config error
    res = req.fetch
      ? await fetchExchange(req.fetch, request, signal, limits)
      : await exchange(request, signal, limits);
  } catch (err) {
    if (req.signal?.aborted) throw failure(req, 'E_PROVIDER_UNREACHABLE', 'cancelled', false);
    if (timeout.aborted)
      throw failure(req, 'E_PROVIDER_UNREACHABLE', `no answer within ${req.timeoutMs} ms`, true);
    if (err instanceof StagegateError && err.code === 'E_PROVIDER_TOO_LARGE') {
      throw failure(
        req,
        'E_PROVIDER_TOO_LARGE',
        `answer larger than ${MAX_NOTIFY_RESPONSE_BYTES} bytes`,
        false,
      );
    }
    // the error's own message may quote the URL; only its code (ECONNREFUSED, ENOTFOUND, ...) is safe
    throw failure(req, 'E_PROVIDER_UNREACHABLE', `request failed (${networkCode(err)})`, true);
  }
  const text = res.body;
  if (res.status >= 200 && res.status <= 299) return;
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, MAX_BODY_IN_MESSAGE);
  const what = `HTTP ${res.status}${snippet === '' ? '' : ` ${snippet}`}`;
  if (res.status === 429) {
    // capped: a far (or epoch) Retry-After must not hold a rollback's alert back for hours
    const asked = headerWaitMs(res.headers['retry-after'], (req.now ?? Date.now)());
    const extra =
      asked !== undefined && asked > 0
        ? { retryAfterMs: cappedWaitMs(asked, DEFAULT_MAX_RATE_LIMIT_WAIT_MS).waitMs }
        : {};
    throw failure(req, 'E_PROVIDER_RATE_LIMITED', what, true, { status: res.status, ...extra });
  }
  if (res.status === 401 || res.status === 403)
    throw failure(req, 'E_PROVIDER_AUTH', what, false, { status: res.status });
  if (res.status === 408 || res.status >= 500)
    throw failure(req, 'E_PROVIDER_RESPONSE', what, true, { status: res.status });
  throw failure(req, 'E_PROVIDER_BAD_REQUEST', what, false, { status: res.status });
}

function failure(
  req: PostJsonRequest,
  code: ErrorCode,
  what: string,
  retryable: boolean,
  extra: Record<string, unknown> = {},
): StagegateError {
  return new StagegateError(code, `notifier ${req.notifier}: ${what}`, {
    notifier: req.notifier,
    retryable,
    ...extra,
  });
}

function networkCode(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  for (const candidate of [cause, err]) {
    if (
      typeof candidate === 'object' &&
      candidate !== null &&
      'code' in candidate &&
      typeof candidate.code === 'string'
    ) {
      return candidate.code;
    }
  }
  return err instanceof Error ? err.name : 'unknown error';
}
