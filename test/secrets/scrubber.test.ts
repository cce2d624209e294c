import { afterEach, describe, expect, it } from 'vitest';
import {
  registerSecret,
  registerUrlCredentials,
  resetSecretsForTests,
  scrub,
  scrubDeep,
} from '../../src/secrets/scrubber.js';

afterEach(() => resetSecretsForTests());

const TOKEN = 'flipper-token-7f3a9c21';

describe('scrub', () => {
  it('replaces every registered secret, raw, URL-encoded and JSON-escaped', () => {
    registerSecret(TOKEN);
    registerSecret('p@ss/"word"');
    expect(scrub(`Bearer ${TOKEN} and ${TOKEN}`)).toBe('Bearer [redacted] and [redacted]');
    expect(scrub('db?password=p%40ss%2F%22word%22')).toBe('db?password=[redacted]');
    expect(scrub(JSON.stringify({ said: 'p@ss/"word"' }))).toBe('{"said":"[redacted]"}');
  });

  it('replaces a longer secret whole when it contains a shorter one', () => {
    registerSecret('abcd');
    registerSecret('abcdefgh');
    expect(scrub('x abcdefgh y abcd')).toBe('x [redacted] y [redacted]');
  });

  it('leaves values shorter than 4 characters alone', () => {
    registerSecret('ab');
    expect(scrub('a cab stand')).toBe('a cab stand');
  });

  it('registers the password of a URL, and a bare token user name', () => {
    registerUrlCredentials('postgres://stagegate:s3cr%40t-pw@127.0.0.1:5432/db');
    registerUrlCredentials('https://tok3n-value-xyz@flipper.test/api');
    expect(scrub('auth failed for s3cr@t-pw')).toBe('auth failed for [redacted]');
    expect(scrub('postgres://stagegate:s3cr%40t-pw@127.0.0.1')).toBe(
      'postgres://stagegate:[redacted]@127.0.0.1',
    );
    expect(scrub('user tok3n-value-xyz')).toBe('user [redacted]');
    registerUrlCredentials('not a url');
  });

  it('keeps a database role name readable when the URL has no password', () => {
    registerUrlCredentials('postgres://postgres@127.0.0.1:5432/stagegate');
    expect(scrub('only a postgres store has migrations')).toBe('only a postgres store has migrations');
  });

  it('scrubDeep copies only what holds a secret', () => {
    registerSecret(TOKEN);
    const clean = { a: 1, b: ['x'], c: { d: 'fine' } };
    expect(scrubDeep(clean)).toBe(clean);
    expect(scrubDeep({ a: 1, b: [`got ${TOKEN}`], c: { [TOKEN]: TOKEN } })).toEqual({
      a: 1,
      b: ['got [redacted]'],
      c: { '[redacted]': '[redacted]' },
    });
  });
});
