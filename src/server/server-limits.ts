import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';

/*
 * Limits that keep an unauthenticated client from starving the controller.
 * Each open connection is a file descriptor; ~20,000 idle ones took the
 * process to EMFILE and then no check could open its record. So: a total cap
 * taken from the process's own descriptor limit (at most a quarter of it, the
 * rest stays for the state store, the providers' sockets and logs), a cap per
 * client address, and timeouts that close connections which send nothing
 * (slowloris), take too long to send their headers or sit idle.
 */

export interface ServerLimits {
  /** open connections at most; further ones are closed at once (node's server.maxConnections) */
  readonly maxConnections: number;
  /** open connections from one address at most */
  readonly maxConnectionsPerIp: number;
  /** a connection with no traffic for this long is closed */
  readonly idleTimeoutMs: number;
  /** the request headers must be in within this */
  readonly headersTimeoutMs: number;
  /** the whole request must be in within this */
  readonly requestTimeoutMs: number;
  /** how long a keep-alive connection waits for its next request */
  readonly keepAliveTimeoutMs: number;
}

/** The soft RLIMIT_NOFILE of this process (Linux /proc); undefined where it cannot be read. */
export function openFileLimit(
  read: () => string = () => readFileSync('/proc/self/limits', 'utf8'),
): number | undefined {
  try {
    const line = read()
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = soft === undefined ? NaN : Number(soft);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function defaultLimits(nofile: number | undefined = openFileLimit()): ServerLimits {
  // unknown or unlimited: 1024, the usual soft limit of a shell
  const budget = nofile === undefined ? 1024 : nofile;
  const maxConnections = Math.max(8, Math.min(1024, Math.floor(budget / 4)));
  return {
    maxConnections,
    maxConnectionsPerIp: Math.max(4, Math.floor(maxConnections / 2)),
    idleTimeoutMs: 30_000,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
  };
}

export function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  return { ...defaultLimits(), ...overrides };
}

/** fastify's own options for the same limits */
export function fastifyTimeouts(limits: ServerLimits): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
} {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
  };
}

/** The caps node's server does not have options for: total (set), per address (counted here). */
export function capConnections(server: Server, limits: ServerLimits, logger: Logger): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const perIp = new Map<string, number>();
  let refusedSince = 0;
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const open = (perIp.get(ip) ?? 0) + 1;
    if (open > limits.maxConnectionsPerIp) {
      // one warning per burst, not one per refused socket (a flood would flood the log too)
      if (refusedSince === 0)
        logger.warn({ ip, limit: limits.maxConnectionsPerIp }, 'http connections refused: per-address limit');
      refusedSince += 1;
      socket.destroy();
      return;
    }
    perIp.set(ip, open);
    socket.once('close', () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
      if (perIp.size === 0 && refusedSince > 0) {
        logger.info({ refused: refusedSince }, 'http connections below the limits again');
        refusedSince = 0;
      }
    });
  });
  server.on('drop', () => {
    if (refusedSince === 0)
      logger.warn({ limit: limits.maxConnections }, 'http connections refused: total limit');
    refusedSince += 1;
  });
}
