import type { FastifyInstance } from 'fastify';
import { StagegateError } from '../errors.js';
import type { ServerDeps } from './deps.js';
import { buildServer } from './server.js';

/* Listening wrapper used by `stagegate run`. */

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 (the real port when 0 was asked) */
  readonly url: string;
  close(): Promise<void>;
}

export async function startServer(settings: ServerSettings, deps: ServerDeps): Promise<RunningServer> {
  const app = buildServer(deps);
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (err) {
    await app.close();
    const why = err instanceof Error ? err.message : String(err);
    throw new StagegateError(
      'E_CONFIG_INVALID',
      `cannot listen on ${settings.host}:${settings.port} (server.host/server.port): ${why}`,
      {},
      { cause: err },
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${host}:${port}`;
  deps.logger.info({ url, commands: deps.auth.token ? 'enabled' : 'disabled' }, 'http server listening');
  return { app, url, close: () => app.close() };
}
