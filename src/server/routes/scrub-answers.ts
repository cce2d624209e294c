import type { FastifyInstance } from 'fastify';
import { scrubDeep } from '../../secrets/scrubber.js';

/*
 * The last gate before anything leaves over HTTP (issue 11, secrets): every
 * JSON answer (rollouts, history, status, errors) goes through the one
 * scrubber, which knows every configured secret. Entries are scrubbed when
 * written too; this catches what was stored before, or reached a record
 * through a path that forgot.
 */
export function registerScrubHook(app: FastifyInstance): void {
  app.addHook('preSerialization', async (_req, _reply, payload: unknown) => scrubDeep(payload));
}
