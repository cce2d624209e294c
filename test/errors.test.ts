import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeFor, StagegateError, type ErrorCode } from '../src/errors.js';
import { registerSecret, resetSecretsForTests } from '../src/secrets/scrubber.js';

afterEach(() => resetSecretsForTests());

const TOKEN = 'flipper-token-7f3a9c21';

describe('StagegateError', () => {
  it('carries its code, message, details and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new StagegateError(
      'E_PROVIDER_UNREACHABLE',
      'datadog unreachable',
      { host: '127.0.0.1' },
      { cause },
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('StagegateError');
    expect(err.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(err.message).toBe('datadog unreachable');
    expect(err.details).toEqual({ host: '127.0.0.1' });
    expect(err.cause).toBe(cause);
  });

  it('has empty details by default', () => {
    expect(new StagegateError('E_USAGE', 'bad flag').details).toEqual({});
  });

  it('scrubs the message and details: no registered secret survives into an error', () => {
    registerSecret(TOKEN);
    const err = new StagegateError('E_PROVIDER_RESPONSE', `answered ${TOKEN}`, { body: `x ${TOKEN}` });
    expect(err.message).toBe('answered [redacted]');
    expect(err.details).toEqual({ body: 'x [redacted]' });
  });
});

describe('exitCodeFor', () => {
  it.each<[ErrorCode, 1 | 2 | 3]>([
    ['E_USAGE', 2],
    ['E_PROVIDER_UNREACHABLE', 3],
    ['E_PROVIDER_AUTH', 3],
    ['E_PROVIDER_RATE_LIMITED', 3],
    ['E_PROVIDER_RESPONSE', 3],
    ['E_PROVIDER_TOO_LARGE', 3],
    ['E_PROVIDER_BAD_VALUE', 3],
    ['E_STORE_IO', 3],
    ['E_STORE_CORRUPT', 3],
    ['E_STORE_UNAVAILABLE', 3],
    ['E_STORE_LOCKED', 3],
    ['E_ROLLBACK_PENDING', 3],
    ['E_SPEC_INVALID', 1],
    ['E_CONFIG_INVALID', 1],
    ['E_PROVIDER_BAD_REQUEST', 1],
    ['E_TOGGLE_NOT_FOUND', 1],
    ['E_STORE_CONFLICT', 1],
    ['E_FENCED', 1],
    ['E_SNAPSHOT_INVALID', 1],
    ['E_COMMAND_REFUSED', 1],
  ])('%s exits %i', (code, exit) => {
    expect(exitCodeFor(new StagegateError(code, 'x'))).toBe(exit);
  });

  it.each([new Error('boom'), 'a string', undefined, { code: 'E_USAGE' }])(
    'a failure that is not a StagegateError (%j) exits 1',
    (err) => {
      expect(exitCodeFor(err)).toBe(1);
    },
  );
});
