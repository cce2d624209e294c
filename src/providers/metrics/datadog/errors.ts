import { StagegateError, type ErrorCode } from '../../../errors.js';
import { scrubWith } from '../../../secrets/scrubber.js';

/*
 * How a failed Datadog call is described. The transport turns every non-2xx
 * answer into a DatadogHttpError (status, headers, body) so the retry loop can
 * read X-RateLimit-Reset; `classifyFailure` turns that, or a network/timeout
 * error, into a DatadogFailure: a StagegateError with an E_PROVIDER_* code, a
 * message an operator can act on, and whether another attempt could help.
 * Messages are built from the status and Datadog's own `errors` text only —
 * never from request headers — and scrubbed of the keys as a last guard.
 */

export type ProviderErrorCode = Extract<
  ErrorCode,
  | 'E_PROVIDER_UNREACHABLE'
  | 'E_PROVIDER_AUTH'
  | 'E_PROVIDER_BAD_REQUEST'
  | 'E_PROVIDER_RATE_LIMITED'
  | 'E_PROVIDER_RESPONSE'
  | 'E_PROVIDER_TOO_LARGE'
  | 'E_PROVIDER_BAD_VALUE'
>;

export class DatadogHttpError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;

  constructor(status: number, headers: Record<string, string>, body: string) {
    super(`Datadog answered HTTP ${status}`);
    this.name = 'DatadogHttpError';
    this.status = status;
    this.headers = headers;
    this.body = body;
  }
}

export class DatadogFailure extends StagegateError {
  declare readonly code: ProviderErrorCode;
  readonly retryable: boolean;
  /** HTTP status when Datadog answered at all */
  readonly status: number | undefined;

  constructor(code: ProviderErrorCode, message: string, opts: { retryable: boolean; status?: number }) {
    super(code, message, opts.status === undefined ? {} : { status: opts.status });
    this.name = 'DatadogFailure';
    this.retryable = opts.retryable;
    this.status = opts.status;
  }
}

/** Datadog's error body is `{"errors": ["..."]}`; anything else is reported by status alone. */
export function datadogErrorText(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'errors' in parsed && Array.isArray(parsed.errors)) {
      const texts = parsed.errors.filter((e): e is string => typeof e === 'string' && e.length > 0);
      return texts.length > 0 ? texts.join('; ') : undefined;
    }
  } catch {
    // not JSON: fall through
  }
  return undefined;
}

function isNamed(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && 'name' in err && err.name === name;
}

/** `fetch failed` hides the useful part (ECONNREFUSED, ENOTFOUND...) in `cause.code`. */
function networkCause(err: Error): string {
  const cause: unknown = err.cause;
  if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string')
    return cause.code;
  if (cause instanceof Error && cause.message) return cause.message;
  return err.message;
}

function systemErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err) || typeof err.code !== 'string')
    return undefined;
  return /^E[A-Z]+$/.test(err.code) ? err.code : undefined;
}

export interface ClassifyContext {
  /** what was being asked, for the message: "metrics query", "logs aggregate"... */
  readonly operation: string;
  readonly timeoutMs: number;
}

export function classifyFailure(err: unknown, ctx: ClassifyContext): DatadogFailure {
  if (err instanceof DatadogFailure) return err;
  if (err instanceof DatadogHttpError) return classifyHttp(err, ctx);
  if (isNamed(err, 'TimeoutError')) {
    return new DatadogFailure(
      'E_PROVIDER_UNREACHABLE',
      `Datadog ${ctx.operation} timed out after ${ctx.timeoutMs} ms`,
      {
        retryable: true,
      },
    );
  }
  if (isNamed(err, 'AbortError')) {
    return new DatadogFailure('E_PROVIDER_UNREACHABLE', `Datadog ${ctx.operation} was cancelled`, {
      retryable: false,
    });
  }
  if (err instanceof TypeError) {
    // undici reports every connection-level failure as TypeError('fetch failed')
    return new DatadogFailure('E_PROVIDER_UNREACHABLE', `cannot reach Datadog: ${networkCause(err)}`, {
      retryable: true,
    });
  }
  const code = systemErrorCode(err);
  if (code) {
    // a Node system error (ECONNRESET, ENOTFOUND…) from a fetch that does not wrap them in TypeError
    return new DatadogFailure('E_PROVIDER_UNREACHABLE', `cannot reach Datadog: ${code}`, { retryable: true });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new DatadogFailure(
    'E_PROVIDER_RESPONSE',
    `unexpected answer to Datadog ${ctx.operation}: ${detail}`,
    {
      retryable: false,
    },
  );
}

function classifyHttp(err: DatadogHttpError, ctx: ClassifyContext): DatadogFailure {
  const { status } = err;
  const text = datadogErrorText(err.body);
  const suffix = text ? `: ${text}` : '';
  if (status === 401 || status === 403) {
    // which key is at fault is worked out by the provider (it can ask /api/v1/validate)
    return new DatadogFailure(
      'E_PROVIDER_AUTH',
      `Datadog refused the ${ctx.operation} (HTTP ${status})${suffix}`,
      {
        retryable: false,
        status,
      },
    );
  }
  if (status === 429) {
    return new DatadogFailure(
      'E_PROVIDER_RATE_LIMITED',
      `Datadog rate limit reached for the ${ctx.operation}${suffix}`,
      {
        retryable: true,
        status,
      },
    );
  }
  if (status === 408 || status >= 500) {
    return new DatadogFailure('E_PROVIDER_UNREACHABLE', `Datadog is unavailable (HTTP ${status})${suffix}`, {
      retryable: true,
      status,
    });
  }
  if (status >= 400) {
    return new DatadogFailure(
      'E_PROVIDER_BAD_REQUEST',
      `Datadog rejected the ${ctx.operation} (HTTP ${status})${suffix}`,
      {
        retryable: false,
        status,
      },
    );
  }
  if (status >= 300 && status < 400) {
    // following it would send DD-API-KEY / DD-APPLICATION-KEY wherever the Location points
    return new DatadogFailure(
      'E_PROVIDER_RESPONSE',
      `Datadog ${ctx.operation} answered HTTP ${status}, a redirect, which is never followed (the keys go to the configured site only): check site / baseUrl`,
      { retryable: false, status },
    );
  }
  return new DatadogFailure(
    'E_PROVIDER_RESPONSE',
    `unexpected HTTP ${status} from Datadog ${ctx.operation}`,
    {
      retryable: false,
      status,
    },
  );
}

/**
 * Every registered secret (src/secrets/scrubber.ts: the Flipper and API
 * tokens too, not only the Datadog keys) and the given ones replaced;
 * secrets shorter than 4 characters are left alone (they would mangle text).
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return scrubWith(text, secrets);
}
