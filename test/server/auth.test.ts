import { describe, expect, it } from 'vitest';
import { checkBearer, tokensEqual } from '../../src/server/auth.js';

describe('tokensEqual', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['', 'abc', false],
    ['ünïcode', 'ünïcode', true],
  ])('%j vs %j → %s', (a, b, equal) => {
    expect(tokensEqual(a, b)).toBe(equal);
  });
});

describe('checkBearer', () => {
  it('treats an empty configured token as not configured', () => {
    expect(checkBearer({ token: '', tokenEnv: 'T' }, 'Bearer ')).toMatchObject({ ok: false, status: 403 });
  });
  it('accepts the token with surrounding spaces trimmed at the end', () => {
    expect(checkBearer({ token: 'abc', tokenEnv: 'T' }, 'Bearer abc ')).toEqual({ ok: true });
  });
  it('rejects a header with two tokens', () => {
    expect(checkBearer({ token: 'abc', tokenEnv: 'T' }, 'Bearer abc abc')).toMatchObject({
      ok: false,
      status: 401,
    });
  });
});
