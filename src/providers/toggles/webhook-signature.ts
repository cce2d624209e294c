import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Webhook toggle signatures: `X-Stagegate-Signature: sha256=<hex HMAC-SHA256
 * of the raw body>`. The body carries `timestamp` (unix seconds) and `id`, so
 * the signature covers them: a receiver that checks the signature, rejects
 * stale timestamps and remembers recent ids cannot be replayed. The timestamp
 * is repeated in `X-Stagegate-Timestamp` for receivers that want to reject
 * stale requests before reading the body.
 */

export const SIGNATURE_HEADER = 'x-stagegate-signature';
export const TIMESTAMP_HEADER = 'x-stagegate-timestamp';
/** how old a signed request may be before a receiver should refuse it */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signBody(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/** For receivers and tests: constant-time check of a signature header against the raw body. */
export function verifySignature(secret: string, rawBody: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signBody(secret, rawBody), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** For receivers and tests: is a signed timestamp (unix seconds) recent enough? */
export function isFresh(
  timestampSeconds: number,
  nowMs: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  return Math.abs(nowMs / 1000 - timestampSeconds) <= toleranceSeconds;
}
