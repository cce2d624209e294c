import { StagegateError } from '../errors.js';
import type { RolloutRecord } from '../ports/state-store.js';
import type { Rollout } from '../rollout/types.js';
import { acquireStateLock, type StateLock } from '../store/state-lock.js';
import { forEachConcurrently } from './concurrency.js';
import { createLeaderGate } from './leader-gate.js';
import { soleLeadership } from '../ports/leadership.js';
import { openEngineSession } from '../runtime/engine-adapter.js';
import { createKeyedSerializer } from './keyed-serializer.js';
import type { RolloutChange } from './rollout-diff.js';
import { createRolloutLoader, type RolloutLoader } from './rollout-loader.js';
import { createRunner, type CheckReport, type Runner } from '../runtime/runner.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { settlePendingRollbacks } from '../runtime/pending-rollbacks.js';
import { steadyWallClock } from '../ports/clock.js';
import { createAbortSpool, spoolDirFor } from './abort-spool.js';
import { runOperatorCommand } from './operator-command.js';
import { duplicatesOf } from './duplicates.js';
import { createStorePoll, noteVersionWith } from './store-poll.js';

/*
 * The long-running controller (`stagegate run`) and the single pass
 * (`stagegate run --once`). Both hold the state dir's lock, so two
 * controllers never write the same toggles. While running:
 *   - the loader watches the rollouts dir (added / changed / removed);
 *   - the scheduler runs each rollout's checks on its own schedule, plus one
 *     check of everything at start (re-applying writes a crash left pending);
 *   - a 1 s poll of the store notices records changed by someone else (an
 *     operator command from the CLI or the API) and applies the toggle write
 *     such a command left pending, and retries failed rollbacks when due;
 *   - work on one rollout never interleaves (keyed serializer).
 * stop() (SIGTERM/SIGINT): no new checks, the ones in flight finish,
 * notifications drain, the lock is released.
 */

import type { Controller, ControllerOptions, PassReport } from './controller-types.js';
export type { Controller, ControllerOptions, PassReport } from './controller-types.js';

export function createController(opts: ControllerOptions): Controller {
  const { wiring, logger } = opts;
  // wall time that a clock step within the process does not move (minDuration, retries): ports/clock.ts
  const now = opts.now ?? steadyWallClock();
  const store = wiring.store;
  const serializer = createKeyedSerializer();
  // versions this process saved: any other version in the store was written by someone else
  const lastSeen = new Map<string, number>();
  let lock: StateLock | undefined;
  let loader: RolloutLoader | undefined;
  let scheduler: Scheduler | undefined;
  let poll: NodeJS.Timeout | undefined;
  let running = false;
  let stopping = false;
  // followers load rollouts and serve reads; checks, polls and writes only while leader (leader-gate.ts)
  const gate = createLeaderGate(opts.leadership ?? soleLeadership(), logger);
  gate.onTakeover(() => {
    if (running && !stopping) void pass(loaderFor().all());
  });

  const noteVersion = noteVersionWith(lastSeen, logger);
  const runner: Runner = createRunner({
    store,
    metricsFor: (p) => wiring.metricsFor(p),
    toggleFor: (p) => wiring.toggleFor(p),
    openSession: openEngineSession,
    notify: (names, event) => wiring.notify(names, event),
    logger,
    now,
    ...(opts.observer && { observer: opts.observer }),
    onSaved: (rec: RolloutRecord) => lastSeen.set(rec.name, rec.version),
    onLoaded: (rec: RolloutRecord) => noteVersion(rec),
    serialize: (name, work) => serializer.run(name, work),
    abortMarkers: createAbortSpool(spoolDirFor(wiring.config, opts.spoolBase)),
  });

  function loaderFor(): RolloutLoader {
    loader ??= createRolloutLoader({ dir: wiring.config.rolloutsDir, logger, config: wiring.config });
    return loader;
  }

  async function acquire(): Promise<void> {
    if (wiring.stateDir === undefined || lock) return;
    lock = await acquireStateLock(wiring.stateDir, { owner: opts.owner ?? 'stagegate run', logger });
    opts.onLocked?.(lock);
  }

  async function release(): Promise<void> {
    await lock?.release();
    lock = undefined;
  }

  /** One serialized check; failures are logged and reported, never thrown into the scheduler. */
  async function checkNow(name: string): Promise<CheckReport | Error> {
    return serializer.run(name, async () => {
      const rollout = loader?.get(name);
      if (!rollout) return new Error('no longer loaded');
      if (!gate.acting()) return new Error('not the leader');
      try {
        return await runner.check(rollout);
      } catch (err) {
        gate.fenced(err);
        const error = err instanceof Error ? err : new Error(String(err));
        logger.error(
          { rollout: name, error: error.message, code: err instanceof StagegateError ? err.code : undefined },
          'check failed',
        );
        return error;
      }
    });
  }

  async function pass(rollouts: readonly Rollout[]): Promise<PassReport> {
    const started = now();
    let checked = 0;
    let finished = 0;
    const failed: string[] = [];
    await forEachConcurrently(rollouts, opts.concurrency ?? 16, async (r) => {
      if (stopping && running) return;
      const report = await checkNow(r.name);
      if (report instanceof Error) failed.push(r.name);
      else if (report.checked) checked++;
      else if (report.record?.summary.state === 'completed' || report.record?.summary.state === 'rolled_back')
        finished++;
      else failed.push(r.name);
    });
    const problems = loader?.problems().length ?? 0;
    return { rollouts: rollouts.length, checked, finished, failed, problems, durationMs: now() - started };
  }

  async function reload(): Promise<RolloutChange[]> {
    const started = now();
    const changes = await loaderFor().reload();
    logger.info(
      { rollouts: loaderFor().all().length, problems: loaderFor().problems().length, ms: now() - started },
      'rollouts loaded',
    );
    return changes;
  }

  function applyChanges(changes: readonly RolloutChange[]): void {
    for (const change of changes) {
      if (change.type === 'removed') {
        scheduler?.remove(change.previous.name);
        opts.observer?.forgetRollout(change.previous.name);
        logger.warn(
          { rollout: change.previous.name, file: change.previous.source },
          'rollout file removed: no longer checked, state kept',
        );
        continue;
      }
      const r = change.rollout;
      scheduler?.set(r.name, r.check.schedule, r.check.timezone);
      if (change.type === 'added') {
        logger.info({ rollout: r.name, file: r.source, specHash: r.specHash }, 'rollout added');
        if (running) void checkNow(r.name);
      } else {
        logger.info(
          { rollout: r.name, file: r.source, specHash: r.specHash },
          'rollout spec changed, effective at the next check',
        );
      }
    }
  }

  // the store poll needs the runner, which needs noteVersion: both are bound here, after the runner
  const poller = createStorePoll({
    store,
    logger,
    lastSeen,
    serializer,
    gate,
    runner,
    rollout: (name) => loader?.get(name),
    stopping: () => stopping,
  });
  const pollStore = poller.poll;

  return {
    store,
    lock: acquire,
    unlock: release,
    async start() {
      await acquire();
      try {
        const changes = await reload();
        scheduler = createScheduler({
          logger,
          onTick: async (name) => {
            if (stopping) return;
            await checkNow(name);
          },
        });
        applyChanges(changes);
        running = true;
        loaderFor().watch((c) => applyChanges(c));
        poll = setInterval(() => void pollStore(), opts.pollMs ?? 1_000);
        logger.info(
          {
            rollouts: loaderFor().all().length,
            stateDir: wiring.stateDir,
            rolloutsDir: wiring.config.rolloutsDir,
          },
          'controller started',
        );
        // the first check of everything now, not at the first tick: pending writes are re-applied at once
        if (gate.acting()) void pass(loaderFor().all());
      } catch (err) {
        await release();
        throw err;
      }
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info({}, 'controller stopping: finishing checks in flight');
      if (poll) clearInterval(poll);
      await scheduler?.stop();
      loader?.close();
      await serializer.idle();
      runner.close();
      await wiring.drain(5_000);
      await release();
      running = false;
      logger.info({}, 'controller stopped');
    },
    async runOnce() {
      await acquire();
      try {
        await reload();
        const report = await pass(loaderFor().all());
        // a failed rollback is retried for up to one check interval before --once gives up (issue 11 item 2)
        const pendingRollbacks = await settlePendingRollbacks(loaderFor().all(), {
          store,
          applyPending: (r) => serializer.run(r.name, () => runner.applyPending(r, { force: true })),
          unsaved: (name) => runner.unsaved().some((u) => u.name === name),
          logger,
        });
        await wiring.drain(5_000);
        return { ...report, pendingRollbacks };
      } finally {
        runner.close();
        await release();
      }
    },
    rollouts() {
      return loader?.all() ?? [];
    },
    rollout(name) {
      return loader?.get(name);
    },
    command: (name, cmd, meta) =>
      runOperatorCommand(
        {
          store,
          wiring,
          logger,
          now,
          runner,
          serializer,
          lastSeen,
          rollout: (n) => loader?.get(n),
          ...(opts.observer && { observer: opts.observer }),
        },
        name,
        cmd,
        meta,
      ),
    leadershipState: () => gate.leadership.state(),
    duplicates: () => duplicatesOf(loader?.problems() ?? []),
    async ready() {
      if (!running || stopping) return { ready: false, reason: stopping ? 'stopping' : 'starting' };
      // a toggle written while the store failed is not recorded until its save lands: not ready until then
      const unsaved = runner.unsaved();
      if (unsaved.length > 0) {
        const names = unsaved.map((u) => `${u.name} since ${new Date(u.since).toISOString()}`);
        return { ready: false, reason: `state store failing: unsaved state of ${names.join(', ')}` };
      }
      try {
        await store.list();
        return { ready: true, reason: null };
      } catch (err) {
        return { ready: false, reason: `state store: ${err instanceof Error ? err.message : String(err)}` };
      }
    },
  };
}
