import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerDeps } from './deps.js';
import { createErrorHandler, notFoundHandler } from './http-errors.js';
import { useJsonBodies } from './json-body.js';
import { registerCommandRoutes } from './routes/commands.js';
import { registerScrubHook } from './routes/scrub-answers.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerRolloutRoutes } from './routes/rollouts.js';
import { registerUiRoutes } from './routes/ui.js';
import { capConnections, fastifyTimeouts, resolveLimits } from './server-limits.js';

/*
 * The HTTP API (fastify). Built without listening so tests use `inject`;
 * `startServer` (start.ts) listens. Request logging is one line per response
 * with method, route, status and duration, never headers (the bearer token).
 * Fastify's own logger stays off: it would log raw request objects.
 */

const DEFAULT_BODY_LIMIT = 4096;

export function buildServer(deps: ServerDeps): FastifyInstance {
  const log = deps.logger.child({ component: 'http' });
  // no `logger` option: fastify's own request logging stays off (it would log raw
  // requests); the onResponse line below replaces it
  const limits = resolveLimits(deps.limits);
  const app = Fastify({ bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT, ...fastifyTimeouts(limits) });
  capConnections(app.server, limits, log);

  useJsonBodies(app);
  app.setErrorHandler(createErrorHandler(log));
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('onResponse', async (req, reply) => {
    // scrapes and probes every few seconds: reads at debug, mutations at info
    const level = req.method === 'GET' ? 'debug' : 'info';
    log[level](
      {
        method: req.method,
        route: req.routeOptions.url ?? null,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'http request',
    );
  });

  registerScrubHook(app);
  registerHealthRoutes(app, { ...deps, logger: log });
  registerRolloutRoutes(app, { ...deps, logger: log });
  registerCommandRoutes(app, { ...deps, logger: log });
  registerUiRoutes(app, { ...deps, logger: log });
  return app;
}
