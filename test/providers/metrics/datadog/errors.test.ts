import { describe, expect, it } from 'vitest';
import {
  DatadogHttpError,
  classifyFailure,
  datadogErrorText,
  scrubSecrets,
} from '../../../../src/providers/metrics/datadog/errors.js';

const ctx = { operation: 'metrics query', timeoutMs: 10_000 };
const http = (status: number, body = '') => new DatadogHttpError(status, {}, body);

describe('classifyFailure', () => {
  it.each([
    [
      http(400, '{"errors":["Error parsing query"]}'),
      'E_PROVIDER_BAD_REQUEST',
      false,
      'Datadog rejected the metrics query (HTTP 400): Error parsing query',
    ],
    [http(422, 'not json'), 'E_PROVIDER_BAD_REQUEST', false, 'Datadog rejected the metrics query (HTTP 422)'],
    [
      http(401, '{"errors":["Unauthorized"]}'),
      'E_PROVIDER_AUTH',
      false,
      'Datadog refused the metrics query (HTTP 401): Unauthorized',
    ],
    [
      http(403, '{"errors":["Forbidden"]}'),
      'E_PROVIDER_AUTH',
      false,
      'Datadog refused the metrics query (HTTP 403): Forbidden',
    ],
    [
      http(429, '{"errors":["Too many requests"]}'),
      'E_PROVIDER_RATE_LIMITED',
      true,
      'Datadog rate limit reached for the metrics query: Too many requests',
    ],
    [http(408), 'E_PROVIDER_UNREACHABLE', true, 'Datadog is unavailable (HTTP 408)'],
    [
      http(503, '{"errors":["a","b"]}'),
      'E_PROVIDER_UNREACHABLE',
      true,
      'Datadog is unavailable (HTTP 503): a; b',
    ],
    [
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      'E_PROVIDER_UNREACHABLE',
      true,
      'Datadog metrics query timed out after 10000 ms',
    ],
    [
      new DOMException('This operation was aborted', 'AbortError'),
      'E_PROVIDER_UNREACHABLE',
      false,
      'Datadog metrics query was cancelled',
    ],
    [
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }),
      }),
      'E_PROVIDER_UNREACHABLE',
      true,
      'cannot reach Datadog: ENOTFOUND',
    ],
    [
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'E_PROVIDER_UNREACHABLE',
      true,
      'cannot reach Datadog: ECONNRESET',
    ],
    [
      new SyntaxError('Unexpected token < in JSON'),
      'E_PROVIDER_RESPONSE',
      false,
      'unexpected answer to Datadog metrics query: Unexpected token < in JSON',
    ],
  ] as const)('%s → %s', (err, code, retryable, message) => {
    const failure = classifyFailure(err, ctx);
    expect({ code: failure.code, retryable: failure.retryable, message: failure.message }).toEqual({
      code,
      retryable,
      message,
    });
  });
});

describe('datadogErrorText', () => {
  it.each([
    ['{"errors":["one","two"]}', 'one; two'],
    ['{"errors":[]}', undefined],
    ['{"errors":"x"}', undefined],
    ['<html>', undefined],
  ])('%s → %s', (body, expected) => {
    expect(datadogErrorText(body)).toBe(expected);
  });
});

describe('scrubSecrets', () => {
  it('replaces every occurrence of each secret, ignoring too-short ones', () => {
    expect(scrubSecrets('k=abcd1234 again abcd1234 and xy', ['abcd1234', 'xy'])).toBe(
      'k=[redacted] again [redacted] and xy',
    );
  });
});
