import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Webhook signatures: `X-Stagegate-Signature: sha256=<hex HMAC-SHA256 of the
 * raw body>` with the shared secret, the scheme GitHub uses, so receivers can
 * reuse their verification code. Receivers must verify against the raw bytes
 * received, before parsing the JSON.
 */

export const SIGNATURE_HEADER = 'x-stagegate-signature';
export const TIMESTAMP_HEADER = 'x-stagegate-timestamp';

export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** constant-time check of a received signature header */
export function verifySignature(
  secret: string,
  body: string | Buffer,
  header: string | null | undefined,
): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signBody(secret, body));
  const received = Buffer.from(header);
  return expected.length === received.length && timingSafeEqual(expected, received);
}
