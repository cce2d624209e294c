import { hostname } from 'node:os';
import { createController, type Controller, type ControllerOptions } from '../controller/controller.js';
import type { Wiring } from '../controller/wiring.js';
import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import { describeLeadership, soleLeadership, type Leadership } from '../ports/leadership.js';
import type { ToggleProvider } from '../ports/toggle-provider.js';
import type { StagegateMetrics } from '../server/metrics.js';
import { FencedStore } from '../store/fencing/fenced-store.js';
import { FencedToggleProvider } from '../store/fencing/fenced-toggle.js';
import type { PgCommandQueue } from '../store/postgres/command-queue.js';
import { openPostgresState } from '../store/postgres/open.js';
import { lockFencedStore, StateLockLeadership } from '../store/state-lock-leadership.js';
import { createCommandRelay } from './command-relay.js';
import { registerLeadershipGauges } from './leadership-metrics.js';

/*
 * `stagegate run` on replicas (issue 14). With `state.type: postgres` the
 * controller opens the store through openPostgresState (migrations under an
 * advisory lock, so replicas may start at once), takes part in the lease
 * election, and runs with every save and every exposure-raising toggle write
 * fenced by its epoch (writes toward off never are). Only the leader checks;
 * followers load the rollouts, serve the API's reads and relay operator
 * commands to the leader through the command queue. File and memory stores
 * have no replicas: their leadership is always held (the file store keeps its
 * state-dir lock, taken by the controller).
 */

export interface Replication {
  /** for the controller: the file store's lock, once held, is its leadership */
  readonly onLocked?: ControllerOptions['onLocked'];
  /** the wiring the controller runs with: fenced store and toggles on postgres */
  readonly wiring: Wiring;
  readonly leadership: Leadership;
  readonly queue: PgCommandQueue | undefined;
  close(): Promise<void>;
}

export async function openReplication(wiring: Wiring, logger: Logger): Promise<Replication> {
  const state = wiring.config.state;
  if (state.type === 'file' && wiring.stateDir !== undefined) {
    // one controller per state dir; a deposed one (frozen past the stale timeout, lock taken over) stops writing
    const leadership = new StateLockLeadership(`${hostname()}/${process.pid}`);
    return {
      leadership,
      queue: undefined,
      onLocked: (lock) => leadership.attach(lock),
      close: () => leadership.stop(),
      wiring: fencedWiring(
        wiring,
        new FencedStore(lockFencedStore(wiring.store, leadership), leadership),
        leadership,
      ),
    };
  }
  if (state.type !== 'postgres') {
    return { wiring, leadership: soleLeadership(), queue: undefined, close: async () => undefined };
  }
  const pg = await openPostgresState(
    { url: state.url, schema: state.schema, leaseSeconds: state.leaseSeconds },
    { logger: logger.child({ component: 'lease' }) },
  );
  // the factory's store (for reads and CLI commands) is replaced by the one opened with the lease
  await (wiring.store as { close?: () => Promise<void> }).close?.();
  return {
    leadership: pg.leadership,
    queue: pg.commands,
    close: () => pg.close(),
    wiring: fencedWiring(wiring, new FencedStore(pg.store, pg.leadership), pg.leadership),
  };
}

/** the wiring with its store replaced and every exposure-raising toggle write fenced */
function fencedWiring(wiring: Wiring, store: FencedStore, leadership: Leadership): Wiring {
  const fenced = new Map<ToggleProvider, ToggleProvider>();
  return {
    ...wiring,
    store,
    toggleFor(name) {
      const inner = wiring.toggleFor(name);
      let provider = fenced.get(inner);
      if (!provider) {
        provider = new FencedToggleProvider(inner, leadership);
        fenced.set(inner, provider);
      }
      return provider;
    },
  };
}

export interface ReplicatedControllerOptions extends Omit<ControllerOptions, 'leadership'> {
  readonly metrics: StagegateMetrics;
  /** for `run --once`: act only if this replica holds the lease */
  readonly once?: boolean;
}

export interface ReplicatedController extends Controller {
  readonly leadership: Leadership;
}

/** The controller of `stagegate run`, whatever the store: one call from the CLI. */
export async function createReplicatedController(
  opts: ReplicatedControllerOptions,
): Promise<ReplicatedController> {
  const repl = await openReplication(opts.wiring, opts.logger);
  const { leadership } = repl;
  registerLeadershipGauges(opts.metrics.registry, leadership);
  const controller = createController({ ...opts, wiring: repl.wiring, leadership, onLocked: repl.onLocked });
  const relay =
    repl.queue === undefined
      ? undefined
      : createCommandRelay({
          controller,
          queue: repl.queue,
          leadership,
          wiring: repl.wiring,
          logger: opts.logger.child({ component: 'commands' }),
        });
  if (repl.queue !== undefined) {
    opts.logger.info({ leadership: describeLeadership(leadership.state()) }, 'joined the leader election');
  }
  return {
    ...controller,
    leadership,
    async start() {
      try {
        await controller.start();
        await relay?.start();
      } catch (err) {
        await repl.close();
        throw err;
      }
    },
    async stop() {
      await relay?.stop();
      await controller.stop();
      await repl.close();
    },
    async runOnce() {
      try {
        if (repl.queue !== undefined && !leadership.isLeader()) {
          throw new StagegateError(
            'E_STORE_LOCKED',
            `another replica acts on this state: ${describeLeadership(leadership.state())}`,
            { holder: leadership.state().lease.holder },
          );
        }
        return await controller.runOnce();
      } finally {
        await repl.close();
      }
    },
    command: (name, cmd, meta) =>
      relay ? relay.apply(name, cmd, meta) : controller.command(name, cmd, meta),
  };
}
