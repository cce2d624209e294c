import type { Logger } from '../log.js';
import type { MetricsProvider } from '../ports/metrics-provider.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { StateStore } from '../ports/state-store.js';
import type { ToggleProvider } from '../ports/toggle-provider.js';
import { createMetricsProviders, metricsProviderNameFor } from '../providers/metrics/factory.js';
import type { InstrumentedMetricsProvider } from '../providers/metrics/datadog-provider.js';
import { createToggleProvider } from '../providers/toggles/factory.js';
import { createNotificationDispatcher } from '../notify/dispatcher.js';
import { createNotifiers } from '../notify/factory.js';
import type { Notifier } from '../ports/notifier.js';
import type { Config } from '../spec/config-schema.js';
import { StagegateError } from '../errors.js';
import { createStateStore } from '../store/factory.js';

/*
 * config → the objects a controller runs with, through each port's factory.
 * Every secret is read from the environment here, at start: a missing
 * DD_API_KEY or token fails `stagegate run` immediately with the variable's
 * name, not the first check at 3 a.m.
 */
export interface Wiring {
  readonly config: Config;
  readonly store: StateStore;
  /** the state dir to lock; undefined for the memory store */
  readonly stateDir: string | undefined;
  readonly metrics: ReadonlyMap<string, InstrumentedMetricsProvider>;
  readonly toggles: ReadonlyMap<string, ToggleProvider>;
  metricsFor(requested: string | undefined): MetricsProvider;
  toggleFor(name: string): ToggleProvider;
  notify(names: readonly string[], event: RolloutEvent): void;
  /** waits for notifications in flight, at most `timeoutMs` */
  drain(timeoutMs: number): Promise<void>;
}

export interface WiringOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}

/** The store alone: `status` and operator commands need no provider, no key, no lock. */
export function createStore(config: Config, logger: Logger): StateStore {
  return createStateStore(config.state, { logger: logger.child({ component: 'store' }) });
}

export function createWiring(config: Config, { env, logger }: WiringOptions): Wiring {
  const store = createStore(config, logger);
  const metrics = createMetricsProviders(config, { env, logger: logger.child({ component: 'metrics' }) });
  const toggles = new Map<string, ToggleProvider>();
  for (const [name, entry] of Object.entries(config.toggles)) {
    toggles.set(
      name,
      createToggleProvider(name, entry, { env, logger: logger.child({ component: 'toggles' }) }),
    );
  }
  const notifiers: Map<string, Notifier> = createNotifiers(config.notifiers, env);
  const dispatcher = createNotificationDispatcher({
    notifiers,
    logger: logger.child({ component: 'notify' }),
  });
  return {
    config,
    store,
    stateDir: config.state.type === 'file' ? config.state.dir : undefined,
    metrics,
    toggles,
    metricsFor(requested) {
      const name = metricsProviderNameFor(requested, config);
      const provider = metrics.get(name);
      if (!provider)
        throw new StagegateError('E_CONFIG_INVALID', `metrics provider "${name}" is not configured`);
      return provider;
    },
    toggleFor(name) {
      const provider = toggles.get(name);
      if (!provider)
        throw new StagegateError('E_CONFIG_INVALID', `toggle provider "${name}" is not configured`);
      return provider;
    },
    notify(names, event) {
      dispatcher.notify([...names], event);
    },
    async drain(timeoutMs) {
      await dispatcher.drain(timeoutMs);
    },
  };
}
