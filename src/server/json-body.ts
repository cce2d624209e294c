import type { FastifyInstance } from 'fastify';
import { StagegateError } from '../errors.js';

/*
 * Command bodies are optional, and `curl -X POST -H 'Content-Type:
 * application/json'` without `-d` sends an empty body: treat that as "no
 * body" instead of fastify's default 400. JSON is the only accepted body
 * type; anything else (text/plain included) gets fastify's 415.
 */
export function useJsonBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new StagegateError('E_USAGE', 'the request body is not valid JSON'), undefined);
    }
  });
}
