import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isFresh, signBody, verifySignature } from '../../../src/providers/toggles/webhook-signature.js';

const NOW = Date.UTC(2025, 5, 17, 12, 0, 0);

describe('webhook signatures', () => {
  const body = '{"feature":"ebg","action":"set","percent":25}';
  const good = `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`;

  it('signs the raw body with HMAC-SHA256 in hex', () => {
    expect(signBody('k', body)).toBe(good);
  });

  it.each([
    [good, true],
    [good.replace('sha256=', 'sha1='), false],
    [`${good}0`, false],
    [signBody('other', body), false],
    [undefined, false],
  ])('verifySignature(%s) is %s', (header, ok) => {
    expect(verifySignature('k', body, header)).toBe(ok);
  });

  it.each([
    [NOW / 1000, true],
    [NOW / 1000 - 300, true],
    [NOW / 1000 - 301, false],
    [NOW / 1000 + 301, false],
  ])('isFresh(%s) at NOW is %s', (ts, ok) => {
    expect(isFresh(ts, NOW)).toBe(ok);
  });

  it('accepts a custom tolerance', () => {
    expect(isFresh(NOW / 1000 - 60, NOW, 30)).toBe(false);
    expect(isFresh(NOW / 1000 - 30, NOW, 30)).toBe(true);
  });
});
