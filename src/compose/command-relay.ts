import type { Controller } from '../controller/controller.js';
import { isFenced } from '../controller/leader-gate.js';
import type { Wiring } from '../controller/wiring.js';
import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Leadership } from '../ports/leadership.js';
import type { RolloutSummary } from '../ports/state-store.js';
import type { CommandResult } from '../runtime/commands.js';
import type { OperatorCommand } from '../runtime/engine-session.js';
import type { PgCommandQueue } from '../store/postgres/command-queue.js';

/*
 * Operator commands between replicas (issue 14). The leader applies a command
 * itself (serialized with its checks); a follower's API puts it in the
 * database's command queue and waits for the leader's answer, which comes
 * within a second (NOTIFY, with polling as the fallback). An abort on a
 * follower ALSO writes the toggle off at once, directly and unfenced: a
 * rollback must never wait for a leader, nor for the database.
 *
 * The leader takes the queue on every NOTIFY and every poll, applies each
 * command through the controller and records the outcome. A leader deposed
 * mid-command leaves it open; the next epoch takes it again (the commands are
 * absolute: applying one twice is refused as a no-op).
 */

export interface CommandRelayOptions {
  readonly controller: Controller;
  readonly queue: PgCommandQueue;
  readonly leadership: Leadership;
  readonly wiring: Wiring;
  readonly logger: Logger;
  /** how long a follower waits for the leader's answer; default 10 s */
  readonly waitMs?: number;
  /** how often the leader polls the queue besides NOTIFY; default 500 ms */
  readonly pollMs?: number;
}

export interface CommandRelay {
  apply(
    name: string,
    cmd: OperatorCommand,
    meta: { by: string; reason: string | null },
  ): Promise<CommandResult>;
  /** the leader side: take and apply queued commands while leader */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const NOTHING = { transitions: [], notices: [], decision: null } as const;

export function createCommandRelay(opts: CommandRelayOptions): CommandRelay {
  const { controller, queue, leadership, logger } = opts;
  const waitMs = opts.waitMs ?? 10_000;
  let unsubscribe: (() => void) | undefined;
  let draining: Promise<void> | undefined;
  let again = false;

  async function drainQueue(): Promise<void> {
    do {
      again = false;
      if (!leadership.isLeader()) return;
      const taken = await queue.take(leadership.fence());
      for (const c of taken) {
        if (!leadership.isLeader()) return; // left open: the next leader takes it
        let outcome: { accepted: boolean; message: string };
        try {
          const r = await controller.command(c.rollout, c.command as OperatorCommand, {
            by: c.by,
            reason: c.reason,
          });
          outcome = { accepted: r.accepted, message: r.message };
        } catch (err) {
          if (isFenced(err)) return;
          outcome = { accepted: false, message: err instanceof Error ? err.message : String(err) };
        }
        await queue.complete(c.id, outcome);
        logger.info(
          { id: c.id, rollout: c.rollout, command: c.command, ...outcome },
          'queued command applied',
        );
      }
    } while (again);
  }

  function wake(): void {
    if (draining) {
      again = true;
      return;
    }
    draining = drainQueue()
      .catch((err: unknown) => {
        if (!isFenced(err)) {
          logger.warn(
            { error: err instanceof Error ? err.message : String(err) },
            'command queue take failed',
          );
        }
      })
      .finally(() => {
        draining = undefined;
      });
  }

  /** a follower's abort: the toggle goes off now, whatever the leader or the database do */
  async function writeOff(name: string): Promise<string | undefined> {
    const rollout = controller.rollout(name);
    if (!rollout) return undefined;
    try {
      await opts.wiring
        .toggleFor(rollout.toggle.provider)
        .disable(rollout.toggle.feature, rollout.toggle.onRollback);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  async function summaryOf(
    name: string,
  ): Promise<{ summary: RolloutSummary; record: CommandResult['record'] }> {
    const record = await controller.store.load(name).catch(() => undefined);
    const summary: RolloutSummary = record?.summary ?? {
      state: 'pending',
      stage: null,
      stageIndex: -1,
      percent: 0,
      reason: null,
      lastCheck: null,
    };
    return { summary, record };
  }

  return {
    async apply(name, cmd, meta) {
      if (leadership.isLeader()) return controller.command(name, cmd, meta);
      if (!controller.rollout(name)) {
        throw new StagegateError('E_NOT_FOUND', `no rollout named "${name}" is loaded`, { rollout: name });
      }
      const off = cmd === 'abort' ? writeOff(name) : Promise.resolve(undefined);
      let id: number | undefined;
      let answer: { accepted: boolean; message: string } | undefined;
      let queueError: string | undefined;
      try {
        id = await queue.enqueue({ rollout: name, command: cmd, by: meta.by, reason: meta.reason });
        answer = await queue.waitFor(id, waitMs);
      } catch (err) {
        queueError = err instanceof Error ? err.message : String(err);
      }
      const offError = await off;
      const offNote =
        cmd !== 'abort'
          ? ''
          : offError === undefined
            ? '; toggle written off by this replica'
            : `; direct toggle write failed: ${offError}`;
      logger.info(
        { rollout: name, command: cmd, id, by: meta.by, answered: answer !== undefined },
        'command relayed to the leader',
      );
      const { summary, record } = await summaryOf(name);
      if (answer) return { ...answer, message: answer.message + offNote, summary, outcome: NOTHING, record };
      const message =
        queueError !== undefined
          ? `command not queued (${queueError})${offNote}`
          : `queued as command ${String(id)}: no leader answered within ${waitMs / 1000} s; the next leader applies it${offNote}`;
      return { accepted: queueError === undefined, message, summary, outcome: NOTHING, record };
    },
    async start() {
      unsubscribe = await queue.subscribe(wake, opts.pollMs);
      leadership.onChange((s) => {
        if (s.role === 'leader') wake();
      });
      wake();
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await draining;
    },
  };
}
