import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { MetricsRecorder } from '../ports/observer.js';
import type { StateStore } from '../ports/state-store.js';
import type { Rollout } from '../rollout/types.js';
import { applyAbort } from '../runtime/abort-first.js';
import { appliedMessage, applyOperatorCommand, type CommandResult } from '../runtime/commands.js';
import type { OperatorCommand } from '../runtime/engine-session.js';
import type { Runner } from '../runtime/runner.js';
import type { KeyedSerializer } from './keyed-serializer.js';
import type { Wiring } from './wiring.js';

/*
 * An operator command through a running controller (the API): the check in
 * flight gives way, the command is applied through the store, and the toggle
 * write it leaves is made right away, so the answer shows the state after the
 * write. An abort writes the toggle off first (abort-first.ts); when its
 * record cannot be saved the runner keeps it and retries the save (issue 11
 * item 1), and the answer is E_STORE_UNAVAILABLE (503) saying so.
 */

export interface CommandContext {
  readonly store: StateStore;
  readonly wiring: Pick<Wiring, 'notify' | 'toggleFor' | 'config'>;
  readonly logger: Logger;
  readonly now: () => number;
  readonly runner: Pick<Runner, 'cancel' | 'applyPending' | 'keepAbort'>;
  readonly serializer: Pick<KeyedSerializer, 'run'>;
  /** versions this controller wrote or has seen */
  readonly lastSeen: Map<string, number>;
  readonly rollout: (name: string) => Rollout | undefined;
  readonly observer?: MetricsRecorder;
}

export async function runOperatorCommand(
  ctx: CommandContext,
  name: string,
  cmd: OperatorCommand,
  meta: { by: string; reason: string | null },
): Promise<CommandResult> {
  const rollout = ctx.rollout(name);
  if (!rollout)
    throw new StagegateError('E_NOT_FOUND', `no rollout named "${name}" in ${ctx.wiring.config.rolloutsDir}`);
  // the check in flight (behind a hung query, maybe) gives way to the operator (issue 11 item 4)
  ctx.runner.cancel(name);
  return ctx.serializer.run(name, async () => {
    const at = ctx.now();
    const commandOpts = {
      ...meta,
      now: at,
      notify: (names: readonly string[], event: RolloutEvent) => ctx.wiring.notify(names, event),
      toggleFor: (p: string) => ctx.wiring.toggleFor(p),
      ...(ctx.observer && { observer: ctx.observer }),
    };
    let result: CommandResult;
    if (cmd === 'abort') {
      const aborted = await applyAbort(ctx.store, rollout, commandOpts);
      if (aborted.stateError !== null) {
        // the toggle is off; the record is not: kept and its save retried, so no check calls the 0% drift
        const kept = await ctx.runner.keepAbort(
          rollout,
          aborted.record,
          { now: at, by: meta.by, reason: meta.reason },
          new StagegateError('E_STORE_UNAVAILABLE', aborted.stateError),
        );
        throw new StagegateError(
          'E_STORE_UNAVAILABLE',
          `${aborted.message}${kept ? '; the save is retried until it lands' : ''}`,
          { stateError: aborted.stateError },
        );
      }
      result = aborted;
    } else {
      result = await applyOperatorCommand(ctx.store, rollout, cmd, commandOpts);
    }
    if (result.record) ctx.lastSeen.set(name, result.record.version);
    ctx.logger.info(
      { rollout: name, command: cmd, by: meta.by, reason: meta.reason, accepted: result.accepted },
      'operator command',
    );
    if (!(result.accepted && result.record?.intent)) return result;
    // answer with the state after the toggle write, not the one before it
    await ctx.runner.applyPending(rollout);
    const after = await ctx.store.load(name);
    if (!after) return result;
    ctx.lastSeen.set(name, after.version);
    return {
      ...result,
      record: after,
      summary: after.summary,
      message: appliedMessage(cmd, name, after.summary, after.intent !== null),
    };
  });
}
