import { StagegateError, type ErrorCode } from '../errors.js';

/*
 * One JSON POST with a per-request timeout, failures turned into
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
  /** default: the global fetch, looked up at call time */
  readonly fetch?: typeof fetch;
}

const MAX_BODY_IN_MESSAGE = 200;

export async function postJson(req: PostJsonRequest): Promise<void> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const doFetch = req.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(req.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'stagegate', ...req.headers },
      body: req.body,
      signal,
      // a signed payload is not re-sent wherever a redirect points; a 3xx is a config error
      redirect: 'manual',
    });
  } catch (err) {
    if (req.signal?.aborted) throw failure(req, 'E_PROVIDER_UNREACHABLE', 'cancelled', false);
    if (timeout.aborted)
      throw failure(req, 'E_PROVIDER_UNREACHABLE', `no answer within ${req.timeoutMs} ms`, true);
    // the error's own message may quote the URL; only its code (ECONNREFUSED, ENOTFOUND, ...) is safe
    throw failure(req, 'E_PROVIDER_UNREACHABLE', `request failed (${networkCode(err)})`, true);
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return;
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, MAX_BODY_IN_MESSAGE);
  const what = `HTTP ${res.status}${snippet === '' ? '' : ` ${snippet}`}`;
  if (res.status === 429) {
    const retryAfter = Number(res.headers.get('retry-after'));
    const extra = Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {};
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
