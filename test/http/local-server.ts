import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { HttpRequest } from '../../src/http/exchange.js';

/*
 * A local HTTP server on 127.0.0.1 for the http/ tests: routes by path, and
 * every path asked in order (`hits`), so a test can assert what was (and was
 * never) requested.
 */

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface LocalServer {
  readonly base: string;
  readonly hits: string[];
  readonly routes: Map<string, Handler>;
  get(path: string): HttpRequest;
  close(): Promise<void>;
}

/** The routes every http/ test shares: a redirect, 9 MiB without content-length, a hang, an ok. */
function standardRoutes(routes: Map<string, Handler>, base: string): void {
  routes.set('/redirect', (_req, res) => res.writeHead(302, { location: `${base}/target` }).end());
  routes.set('/target', (_req, res) => res.writeHead(200).end('followed'));
  routes.set('/huge', (_req, res) => {
    // 9 MiB in 64 KiB chunks, no content-length: the cap must act while reading
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = (): void => {
      while (sent < 144) {
        sent += 1;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  routes.set('/hang', () => undefined);
  routes.set('/ok', (_req, res) => res.writeHead(200, { 'x-ratelimit-reset': '5' }).end('{"ok":true}'));
}

export async function startLocalServer(): Promise<LocalServer> {
  const hits: string[] = [];
  const routes = new Map<string, Handler>();
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const route = routes.get(req.url ?? '');
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standardRoutes(routes, base);
  return {
    base,
    hits,
    routes,
    get: (path) => ({ method: 'GET', url: new URL(`${base}${path}`), headers: {} }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A LocalServer started before the file's tests and closed after them; its fields read through to
 * the live server, so a test file declares it once at the top.
 */
export function useLocalServer(): LocalServer {
  let srv: LocalServer | undefined;
  const live = (): LocalServer => {
    if (!srv) throw new Error('local server not started: use it inside a test');
    return srv;
  };
  beforeAll(async () => {
    srv = await startLocalServer();
  });
  afterAll(() => srv?.close());
  return {
    get base() {
      return live().base;
    },
    get hits() {
      return live().hits;
    },
    get routes() {
      return live().routes;
    },
    get: (path) => live().get(path),
    close: () => live().close(),
  };
}
