import type { Logger } from '../log.js';
import type { MetricsProvider } from '../ports/metrics-provider.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { StateStore } from '../ports/state-store.js';
import type { ToggleProvider } from '../ports/toggle-provider.js';
import { createMetricsProviders, metricsProviderNameFor } from '../providers/metrics/factory.js';
import { preloadDatadogLibrary } from '../providers/metrics/datadog/client.js';
import type { InstrumentedMetricsProvider } from '../providers/metrics/datadog/provider.js';
import { createToggleProvider } from '../providers/toggles/factory.js';
import { createNotificationDispatcher } from '../notify/dispatcher.js';
import { createNotifier, createNotifiers } from '../notify/factory.js';
import type { Notifier } from '../ports/notifier.js';
import type { Config } from '../config/schema.js';
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

/** Delivery of rollout events, fire and forget, with a bounded wait at the end. */
export interface Notifications {
  notify(names: readonly string[], event: RolloutEvent): void;
  /** waits for deliveries in flight, at most `timeoutMs`; false when some were cancelled */
  drain(timeoutMs: number): Promise<boolean>;
}

/**
 * The notifiers a CLI operator command needs (the rollout's `notify:` names),
 * so the process that made the change tells people about it even when no
 * controller runs. Unlike `stagegate run`, a notifier that cannot be built
 * here (its variable is not set in this shell) is skipped with a warning:
 * a pause must never be refused for want of a Slack URL.
 */
export function createCommandNotifications(
  config: Config,
  names: readonly string[],
  { env, logger }: WiringOptions,
): Notifications {
  const log = logger.child({ component: 'notify' });
  const notifiers = new Map<string, Notifier>();
  for (const name of new Set(names)) {
    const entry = config.notifiers[name];
    if (entry === undefined) continue; // the dispatcher reports names that are not configured
    try {
      notifiers.set(name, createNotifier(name, entry, env));
    } catch (err) {
      log.warn(
        { notifier: name, error: err instanceof Error ? err.message : String(err) },
        'notifier unavailable in this process, not notified',
      );
    }
  }
  const dispatcher = createNotificationDispatcher({ notifiers, logger: log });
  return {
    notify: (targets, event) =>
      dispatcher.notify(
        targets.filter((n) => notifiers.has(n) || !(n in config.notifiers)),
        event,
      ),
    drain: (timeoutMs) => dispatcher.drain(timeoutMs),
  };
}

/** The store alone: `status` and operator commands need no provider, no key, no lock. */
export function createStore(config: Config, logger: Logger): StateStore {
  return createStateStore(config.state, { logger: logger.child({ component: 'store' }) });
}

export function createWiring(config: Config, { env, logger }: WiringOptions): Wiring {
  const store = createStore(config, logger);
  const metrics = createMetricsProviders(config, { env, logger: logger.child({ component: 'metrics' }) });
  // perf: the Datadog client library takes ~1 s to load; load it now, while the rollout files load, not in
  // the first check (a breach that check sees would wait for it)
  if (Object.values(config.metrics).some((m) => m.type === 'datadog')) preloadDatadogLibrary();
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
