import { StagegateError } from '../errors.js';
import type { ControllerObserver } from '../ports/observer.js';
import type { StateStore } from '../ports/state-store.js';
import type { ToggleProvider, ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import {
  appliedMessage,
  applyOperatorCommand,
  openCommand,
  type CommandOptions,
  type CommandResult,
} from './commands.js';
import { createAnnouncer } from './announce.js';
import { confirmingOff } from './confirmed-off.js';
import type { OperatorCommand } from './engine-session.js';
import { describeError, createStepper } from './step.js';
import { monotonicMs, type MonotonicClock } from '../ports/clock.js';
import type { Logger } from '../log.js';
import type { RolloutRecord } from '../ports/state-store.js';

/*
 * An operator abort writes the toggle off itself, first, then records it
 * (issue 11 items 1 and 2b): it never waits for a controller to be started,
 * for a check in flight, or for a store that can save. Writing off is always
 * safe, so it is done before the bookkeeping; the usual command then saves
 * the abort (with its disable intent), and the intent is settled with the
 * answer of the write already made (no second write). When the state cannot
 * be saved the toggle is off anyway and the result says so (`stateError`):
 * the CLI exits 3, the API answers 503, both after the toggle is off.
 */

export interface AbortOptions extends CommandOptions {
  readonly toggleFor: (provider: string) => ToggleProvider;
  /** counts the write and the rollback like the runner's own writes (Prometheus) */
  readonly observer?: ControllerObserver;
  /** no controller keeps an unsaved abort (the CLI): retry its save for `windowMs` (monotonic), then give up */
  readonly retrySave?: {
    readonly windowMs: number;
    readonly pollMs?: number;
    readonly clock?: MonotonicClock;
    readonly sleep?: (ms: number) => Promise<void>;
  };
}

export interface AbortResult extends CommandResult {
  /** the state could not be saved (the toggle write was made anyway); null when saved */
  readonly stateError: string | null;
  /** whether the abort's own write turned the toggle off (confirmed by a read-back); absent when none was made */
  readonly toggleOff?: boolean;
}

/** A provider whose `disable` answers what the abort's own write already answered. */
/** A retry finding its abort saved up to the disable intent: the command result it had. */
function resumed(rollout: Rollout, record: RolloutRecord): Omit<CommandResult, 'record'> {
  return {
    accepted: true,
    message: `abort accepted for ${rollout.name}; now ${record.summary.state}`,
    summary: record.summary,
    outcome: { transitions: [], notices: [], decision: null },
  };
}

function replay(real: ToggleProvider, written: ToggleState | null, error: string | null): ToggleProvider {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'disable') {
        return async (): Promise<ToggleState> => {
          if (written) return written;
          throw new Error(error ?? 'toggle write failed');
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function applyAbort(
  stored: StateStore,
  rollout: Rollout,
  opts: AbortOptions,
): Promise<AbortResult> {
  // what the abort writes down is scrubbed like the runner's writes
  const { store, open, log, record } = await openCommand(stored, rollout, opts);
  const session = open(rollout, record);
  // a refusal (already rolled back) writes nothing: the command records why
  if (!session.canAccept('abort').ok)
    return { ...(await applyOperatorCommand(store, rollout, 'abort', opts)), stateError: null };

  // confirmed by its answer and a read-back: an abort is off when a read says so
  const toggles = confirmingOff(opts.toggleFor(rollout.toggle.provider));
  let written: ToggleState | null = null;
  let writeError: string | null = null;
  try {
    written = await toggles.disable(rollout.toggle.feature, rollout.toggle.onRollback);
  } catch (err) {
    writeError = describeError(err);
  }
  log.info(
    { rollout: rollout.name, by: opts.by, ok: written !== null, error: writeError },
    'abort: toggle written off',
  );
  const made = { toggles, written, writeError };
  const attempt = async (): Promise<AbortResult> => ({
    ...(await recordAbort(store, rollout, { ...opts, openSession: open, logger: log }, made)),
    toggleOff: written !== null,
  });
  let result = await attempt();
  const retry = opts.retrySave;
  if (result.stateError === null || !retry) return result;
  // no controller will keep this abort: its save is retried here, for a bounded time on the monotonic clock
  const clock = retry.clock ?? monotonicMs;
  const sleep = retry.sleep ?? refSleep;
  const started = clock();
  while (result.stateError !== null && clock() - started < retry.windowMs) {
    await sleep(Math.min(retry.pollMs ?? 1_000, Math.max(0, retry.windowMs - (clock() - started))));
    result = await attempt();
  }
  return result;
}

const refSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Written {
  readonly toggles: ToggleProvider;
  readonly written: ToggleState | null;
  readonly writeError: string | null;
}

/** The bookkeeping of an abort whose toggle write was made: the command, then the write's result. */
async function recordAbort(
  store: StateStore,
  rollout: Rollout,
  opts: AbortOptions & {
    readonly openSession: NonNullable<AbortOptions['openSession']>;
    readonly logger: Logger;
  },
  made: Written,
): Promise<AbortResult> {
  const open = opts.openSession;
  const log = opts.logger;
  const { toggles, written, writeError } = made;
  const offText = written ? 'toggle written off' : `toggle write failed (${writeError ?? 'unknown'})`;
  let record: RolloutRecord | undefined;
  let result: CommandResult;
  try {
    record = await store.load(rollout.name);
    // a retry after the command was saved and only its result failed: the saved intent is this abort's
    result =
      record?.intent?.action === 'disable' && !open(rollout, record).canAccept('abort').ok
        ? { ...resumed(rollout, record), record }
        : await applyOperatorCommand(store, rollout, 'abort', { ...opts, callerWrites: true });
  } catch (err) {
    log.fatal(
      { rollout: rollout.name, error: describeError(err) },
      'abort: state not saved after the toggle write',
    );
    return {
      accepted: true,
      message: `abort accepted for ${rollout.name}; ${offText}; the state could not be saved: ${describeError(err)}`,
      summary: record?.summary ?? open(rollout, record).summary(),
      outcome: { transitions: [], notices: [], decision: null },
      record,
      stateError: describeError(err),
    };
  }
  if (!result.accepted || result.record?.intent?.action !== 'disable') return { ...result, stateError: null };

  const stepper = createStepper({
    store,
    toggleFor: () => replay(toggles, written, writeError),
    openSession: open,
    now: () => opts.now,
    ...(opts.observer && { observer: opts.observer }),
  });
  try {
    const report = await stepper.applyIntent(
      rollout,
      { record: result.record, session: open(rollout, result.record) },
      log,
    );
    // the same logs, notices and rollback count as the runner's own writes
    if (report)
      createAnnouncer({
        notify: opts.notify ?? (() => undefined),
        ...(opts.observer && { observer: opts.observer }),
      }).write(rollout, report, log);
    const after = report?.step.record ?? result.record;
    return {
      ...result,
      record: after,
      summary: after.summary,
      message: appliedMessage('abort', rollout.name, after.summary, after.intent !== null),
      stateError: null,
    };
  } catch (err) {
    return {
      ...result,
      message: `${result.message}; ${offText}; the result could not be saved: ${describeError(err)}`,
      stateError: describeError(err),
    };
  }
}

/**
 * A command as the controller (API) runs it: an abort through `applyAbort`; a state that could not be
 * saved is E_STORE_UNAVAILABLE (the API's 503), thrown only after the toggle write was made.
 */
export async function operatorCommand(
  store: StateStore,
  rollout: Rollout,
  cmd: OperatorCommand,
  opts: AbortOptions,
): Promise<CommandResult> {
  if (cmd !== 'abort') return applyOperatorCommand(store, rollout, cmd, opts);
  const result = await applyAbort(store, rollout, opts);
  if (result.stateError !== null) {
    throw new StagegateError('E_STORE_UNAVAILABLE', result.message, { stateError: result.stateError });
  }
  return result;
}
