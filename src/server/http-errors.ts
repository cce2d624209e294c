import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StagegateError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';

/*
 * Every error response has the same JSON shape, `{ error: { code, message } }`,
 * whether it comes from a handler, fastify itself (body too large, bad JSON,
 * unsupported content type) or an unknown route. Messages of unexpected
 * errors are not echoed: they could carry internals.
 */

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly issues?: readonly string[] };
}

export function errorBody(code: string, message: string, issues?: readonly string[]): ErrorBody {
  return { error: issues ? { code, message, issues } : { code, message } };
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  E_NOT_FOUND: 404,
  E_COMMAND_REFUSED: 409,
  E_STORE_CONFLICT: 409,
  E_USAGE: 400,
  E_STORE_IO: 503,
  E_STORE_UNAVAILABLE: 503,
  // the record is there but unreadable: not something a retry fixes
  E_STORE_CORRUPT: 500,
  E_STORE_LOCKED: 503,
  E_SNAPSHOT_INVALID: 500,
};

export function statusForStagegateError(err: StagegateError): number {
  return STATUS_BY_CODE[err.code] ?? 500;
}

export function createErrorHandler(logger: Logger) {
  return (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err instanceof StagegateError) {
      const status = statusForStagegateError(err);
      if (status >= 500)
        logger.error({ code: err.code, route: req.routeOptions.url, err }, 'api request failed');
      return reply.code(status).send(errorBody(err.code, err.message));
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status < 500) {
      // fastify's own client errors (413 body too large, 415, malformed JSON): safe, fixed messages
      const code = 'code' in err && typeof err.code === 'string' ? err.code : 'E_BAD_REQUEST';
      return reply.code(status).send(errorBody(code, err.message));
    }
    logger.error({ route: req.routeOptions.url, err }, 'api request failed');
    return reply.code(500).send(errorBody('E_INTERNAL', 'internal error; see the controller log'));
  };
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .code(404)
    .send(errorBody('E_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`));
}
