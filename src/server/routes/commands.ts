import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkBearer } from '../auth.js';
import { OPERATOR_COMMANDS, type OperatorCommandName, type ServerDeps } from '../deps.js';
import { errorBody } from '../http-errors.js';
import { checkOperatorInput } from '../../rollout/operator-input.js';
import { commandBodySchema, issuesOf, rolloutName } from './params.js';

/*
 * POST /api/rollouts/:name/{pause,resume,approve,abort,promote,retry}.
 * Auth runs in onRequest, before the body is read, so an unauthenticated
 * client cannot make the server parse anything. The command itself goes
 * through the controller's applyOperatorCommand (same rules and history as
 * the CLI); a refusal ("cannot approve: not awaiting approval") is a 409.
 */

const DEFAULT_BY = 'api';

export function registerCommandRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const now = deps.now ?? Date.now;

  const authenticate = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const result = checkBearer(deps.auth, req.headers.authorization);
    if (!result.ok) {
      deps.logger.warn({ route: req.routeOptions.url, status: result.status }, 'api command unauthorized');
      await reply.code(result.status).send(errorBody(result.code, result.message));
    }
  };

  for (const command of OPERATOR_COMMANDS) {
    app.post(`/api/rollouts/:name/${command}`, { onRequest: authenticate }, async (req, reply) => {
      const name = rolloutName(req.params);
      const body = commandBodySchema.safeParse(req.body ?? {});
      if (!body.success) {
        return reply.code(400).send(errorBody('E_BAD_REQUEST', 'invalid request body', issuesOf(body.error)));
      }
      const input = checkOperatorInput(body.data, DEFAULT_BY);
      if (!input.ok)
        return reply.code(400).send(errorBody('E_BAD_REQUEST', 'invalid request body', [...input.problems]));
      const { by, reason } = input.value;
      const outcome = await deps.applyCommand(name, command satisfies OperatorCommandName, {
        by,
        reason,
        now: now(),
      });
      deps.logger.info({ rollout: name, command, by, reason, accepted: outcome.accepted }, 'api command');
      if (!outcome.accepted) return reply.code(409).send(errorBody('E_COMMAND_REFUSED', outcome.message));
      return { accepted: true, message: outcome.message, summary: outcome.summary ?? null };
    });
  }
}
