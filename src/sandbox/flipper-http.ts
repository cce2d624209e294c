import { timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MORE_INFO, type FlipperApiError } from './flipper-model.js';

/* Request parsing and answers of the Flipper sandbox, the way Rack and flipper-api do them. */

export type Params = Record<string, string>;

/** Rack params: the query string, merged with the body when it is exactly JSON or a form. */
export function requestParams(req: FastifyRequest): Params {
  const params: Params = {};
  const query = new URL(req.url, 'http://sandbox').searchParams;
  for (const [k, v] of query) params[k] = v;
  const contentType = req.headers['content-type'];
  const body = rawBody(req);
  if (contentType === 'application/json' && body !== '') {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      for (const [k, v] of Object.entries(parsed)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params[k] = String(v);
      }
    }
  } else if (contentType?.split(';')[0]?.trim() === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  }
  return params;
}

export function rawBody(req: FastifyRequest): string {
  return typeof req.body === 'string' ? req.body : '';
}

export function sendError(req: FastifyRequest, reply: FastifyReply, error: FlipperApiError): FastifyReply {
  return sendJson(req, reply, error.status, {
    code: error.code,
    message: error.message,
    more_info: MORE_INFO,
  });
}

/** JSON with Flipper's exact Content-Type (no charset), gzipped when the client accepts gzip. */
export function sendJson(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  body: unknown,
): FastifyReply {
  const text = JSON.stringify(body);
  reply.code(status).header('content-type', 'application/json');
  const accepted = String(req.headers['accept-encoding'] ?? '');
  if (/\bgzip\b/.test(accepted)) {
    return reply.header('content-encoding', 'gzip').header('vary', 'Accept-Encoding').send(gzipSync(text));
  }
  // a Buffer, because Fastify appends `; charset=utf-8` to a string payload's Content-Type
  return reply.send(Buffer.from(text, 'utf8'));
}

export function parseObject(text: string): Readonly<Record<string, unknown>> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function flattenHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return flat;
}

export function authorized(req: FastifyRequest, token: string, tokenHeader: string | undefined): boolean {
  const header = req.headers[(tokenHeader ?? 'authorization').toLowerCase()];
  const given = typeof header === 'string' ? header : '';
  const expected = tokenHeader === undefined ? `Bearer ${token}` : token;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
