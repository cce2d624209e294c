import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER, verifySignature } from '../../src/notify/signature.js';

// Reference values: GitHub's documented webhook example, and Python 3.11 hmac.new(..., hashlib.sha256).
const GITHUB_SECRET = "It's a Secret to Everybody";
const GITHUB_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
const BODY = '{"type":"advanced"}';
const BODY_SIGNATURE = 'sha256=8fe9f139b04826edf70cdbcbe48e69fc806f005c83b5a09cdea0fcb77bbc5347';

describe('signBody', () => {
  it.each([
    [GITHUB_SECRET, 'Hello, World!', GITHUB_SIGNATURE],
    ['topsecret', BODY, BODY_SIGNATURE],
  ])('HMAC-SHA256 with %j of %j is %s', (secret, body, expected) => {
    expect(signBody(secret, body)).toBe(expected);
  });

  it('signs the raw bytes: a Buffer and the string it holds agree', () => {
    expect(signBody('topsecret', Buffer.from(BODY, 'utf8'))).toBe(BODY_SIGNATURE);
  });

  it('uses lowercase header names, as node reports received headers', () => {
    expect(SIGNATURE_HEADER).toBe('x-stagegate-signature');
    expect(TIMESTAMP_HEADER).toBe('x-stagegate-timestamp');
  });
});

describe('verifySignature', () => {
  it('accepts the signature of the exact body', () => {
    expect(verifySignature('topsecret', BODY, BODY_SIGNATURE)).toBe(true);
  });

  it.each([
    ['another secret', 'othersecret', BODY, BODY_SIGNATURE],
    ['a re-serialized body', 'topsecret', '{ "type": "advanced" }', BODY_SIGNATURE],
    ['a truncated signature', 'topsecret', BODY, BODY_SIGNATURE.slice(0, -1)],
    ['uppercase hex', 'topsecret', BODY, BODY_SIGNATURE.toUpperCase()],
    ['no algorithm prefix', 'topsecret', BODY, BODY_SIGNATURE.slice('sha256='.length)],
    ['an empty header', 'topsecret', BODY, ''],
    ['no header', 'topsecret', BODY, undefined],
    ['a null header', 'topsecret', BODY, null],
  ])('refuses %s', (_what, secret, body, header) => {
    expect(verifySignature(secret, body, header)).toBe(false);
  });
});
