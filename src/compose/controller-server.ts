import type { Controller } from '../controller/controller.js';
import type { Wiring } from '../controller/wiring.js';
import type { Logger } from '../log.js';
import type { MetricsProvider } from '../ports/metrics-provider.js';
import type { ToggleProvider } from '../ports/toggle-provider.js';
import type { Config } from '../config/schema.js';
import type { ServerDeps } from '../server/deps.js';
import { instrumentMetricsProvider, instrumentToggleProvider } from '../server/instrument.js';
import type { StagegateMetrics } from '../server/metrics.js';
import { startServer, type RunningServer } from '../server/start.js';

export { StagegateMetrics } from '../server/metrics.js';
import { fileSecret, looksLikeVariableName } from '../secrets/secret-source.js';

/*
 * The composition root (DESIGN.md §9): the one place that wires the
 * controller (src/controller) and the HTTP server (src/server), which know
 * nothing of each other, for `stagegate run`: commands go through the controller (serialized with its
 * checks, toggle write applied at once), readiness is the controller's, and
 * the providers it uses are wrapped so their calls show up in /metrics.
 */

export function serverDepsFor(
  controller: Controller,
  opts: { metrics: StagegateMetrics; logger: Logger; config: Config; env: NodeJS.ProcessEnv },
): ServerDeps {
  const { tokenEnv, tokenFile } = opts.config.server;
  const token = tokenEnv === undefined ? undefined : opts.env[tokenEnv]?.trim() || undefined;
  // tokenFile: re-read when it changes (a rotated secret), see src/secrets/secret-source.ts
  const file =
    tokenFile === undefined
      ? undefined
      : fileSecret(tokenFile, 'server.tokenFile', (fields, message) => opts.logger.warn(fields, message));
  return {
    store: controller.store,
    metrics: opts.metrics,
    logger: opts.logger,
    auth: {
      get token() {
        return file === undefined ? token : file.get();
      },
      // a tokenEnv that holds the token itself is never echoed in the read-only message
      tokenEnv: tokenEnv !== undefined && looksLikeVariableName(tokenEnv) ? tokenEnv : undefined,
    },
    applyCommand: async (name, command, { by, reason }) => {
      const result = await controller.command(name, command, { by, reason });
      return { accepted: result.accepted, message: result.message, summary: result.summary };
    },
    loadedRollouts: () => controller.rollouts().map((r) => r.name),
    duplicates: () => controller.duplicates(),
    leadership: () => controller.leadershipState(),
    readiness: async () => {
      const { ready, reason } = await controller.ready();
      return ready ? [] : [`controller not ready: ${reason ?? 'unknown'}`];
    },
  };
}

/** Starts the API when `server.enabled`; undefined otherwise. */
export async function startControllerServer(
  controller: Controller,
  opts: { metrics: StagegateMetrics; logger: Logger; config: Config; env: NodeJS.ProcessEnv },
): Promise<RunningServer | undefined> {
  const { server } = opts.config;
  if (!server.enabled) return undefined;
  return startServer({ host: server.host, port: server.port }, serverDepsFor(controller, opts));
}

/** The same wiring, with every metrics and toggle provider call timed and counted. */
export function instrumentWiring(wiring: Wiring, metrics: StagegateMetrics): Wiring {
  const metricsCache = new WeakMap<MetricsProvider, MetricsProvider>();
  const toggleCache = new WeakMap<ToggleProvider, ToggleProvider>();
  const cached = <T extends object>(cache: WeakMap<T, T>, provider: T, wrap: (p: T) => T): T => {
    let wrapped = cache.get(provider);
    if (!wrapped) {
      wrapped = wrap(provider);
      cache.set(provider, wrapped);
    }
    return wrapped;
  };
  return {
    ...wiring,
    metricsFor: (requested) =>
      cached(metricsCache, wiring.metricsFor(requested), (p) => instrumentMetricsProvider(p, metrics)),
    toggleFor: (name) =>
      cached(toggleCache, wiring.toggleFor(name), (p) => instrumentToggleProvider(p, metrics)),
    notify: (names, event) => wiring.notify(names, event),
    drain: (timeoutMs) => wiring.drain(timeoutMs),
  };
}
