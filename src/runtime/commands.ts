import { silentLogger, type Logger } from '../log.js';
import { historyEntry, type HistoryEntry } from '../ports/history.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { RolloutRecord, RolloutSummary, StateStore } from '../ports/state-store.js';
import type { ToggleProvider } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import { openEngineSession } from './engine-adapter.js';
import type { EngineSession, OperatorCommand, StepOutcome } from './engine-session.js';
import { stepEntries } from './history-entries.js';
import { createStepper } from './step.js';
import { scrubbingStore } from './scrubbing-store.js';

/*
 * pause | resume | approve | abort | promote | retry (DESIGN.md §1), for the
 * CLI and the HTTP API alike. They go through the state store only, so they
 * work whether or not a controller is running: the command is applied to the
 * engine restored from the record and saved through the same step as a check
 * (step.ts commit: redone on the new version when a running controller saved
 * in between). The record keeps the spec hash the controller last checked, so
 * its next check still records a `spec` entry. A toggle write the command
 * causes (abort → off, promote → next stage) is left in the record as an
 * intent for whoever runs the controller (or the caller, right away). Every
 * command, accepted or refused, is recorded in history with who and why.
 * What an accepted command itself changed (a pause) is notified here, after
 * it is saved; what its toggle write changes is notified by whoever makes
 * the write, when it lands.
 */

export interface CommandOptions {
  readonly by: string;
  readonly reason: string | null;
  readonly now: number;
  /** fire-and-forget delivery of the command's events to the rollout's notifiers */
  readonly notify?: (names: readonly string[], event: RolloutEvent) => void;
  /** tests swap the engine */
  readonly openSession?: (rollout: Rollout, record: RolloutRecord | undefined) => EngineSession;
  /** whether a controller will apply a pending toggle write (decides what the message promises) */
  readonly controllerRunning?: boolean;
  /** the caller makes the command's toggle write itself, right away (an abort: abort-first.ts) */
  readonly callerWrites?: boolean;
  readonly logger?: Logger;
}

export interface CommandResult {
  readonly accepted: boolean;
  /** what happened, or why it was refused, in a sentence for the operator */
  readonly message: string;
  readonly summary: RolloutSummary;
  /** what the command did, for the caller's logs and notifications */
  readonly outcome: StepOutcome;
  readonly record: RolloutRecord | undefined;
}

const EMPTY: StepOutcome = { transitions: [], notices: [], decision: null };

function position(summary: RolloutSummary): string {
  return `${summary.state}${summary.stage ? ` at ${summary.stage} (${summary.percent}%)` : ''}`;
}

function acceptedMessage(
  cmd: OperatorCommand,
  rollout: string,
  outcome: StepOutcome,
  summary: RolloutSummary,
  hasIntent: boolean,
  controllerRunning: boolean | undefined,
  callerWrites = false,
): string {
  const where = position(summary);
  const moved = outcome.transitions.length > 0 ? `; now ${where}` : `; still ${where}`;
  // never promise a write nobody will make (issue 11 item 2b)
  const write = !hasIntent
    ? ''
    : callerWrites
      ? '; toggle written by this command'
      : controllerRunning === false
        ? '; toggle write pending: no controller is running, it is applied when `stagegate run` starts'
        : controllerRunning === true
          ? '; toggle write pending: a running controller applies it within a second'
          : '; toggle write pending: applied by the controller when it next polls the state';
  return `${cmd} accepted for ${rollout}${moved}${write}`;
}

/** For a command whose toggle write the caller made at once (a running controller). */
export function appliedMessage(
  cmd: OperatorCommand,
  rollout: string,
  summary: RolloutSummary,
  writePending: boolean,
): string {
  const write = writePending ? '; toggle write failed, retrying' : '; toggle written';
  return `${cmd} accepted for ${rollout}; now ${position(summary)}${write}`;
}

/** what every command starts from: its engine, its logger, the store scrubbing on the way in, the record */
export async function openCommand(
  store: StateStore,
  rollout: Rollout,
  opts: CommandOptions,
): Promise<{
  store: StateStore;
  open: (rollout: Rollout, record: RolloutRecord | undefined) => EngineSession;
  log: Logger;
  record: RolloutRecord | undefined;
}> {
  // `reason` and `by` end up in history; scrubbed on the way in like the runner's writes
  const scrubbed = scrubbingStore(store);
  return {
    store: scrubbed,
    open: opts.openSession ?? openEngineSession,
    log: opts.logger ?? silentLogger(),
    record: await scrubbed.load(rollout.name),
  };
}

/** the `command` entry of a command, accepted or refused, with who and why */
function commandEntry(
  cmd: OperatorCommand,
  opts: CommandOptions,
  accepted: boolean,
  message: string,
): HistoryEntry {
  return historyEntry({
    type: 'command',
    at: opts.now,
    command: cmd,
    by: opts.by,
    reason: opts.reason,
    accepted,
    message,
  });
}

const NO_TOGGLES = (): ToggleProvider => {
  throw new Error('operator commands write no toggle themselves');
};

export async function applyOperatorCommand(
  stored: StateStore,
  rollout: Rollout,
  cmd: OperatorCommand,
  opts: CommandOptions,
): Promise<CommandResult> {
  const { store, open, log, record } = await openCommand(stored, rollout, opts);
  const stepper = createStepper({ store, toggleFor: NO_TOGGLES, openSession: open, now: () => opts.now });
  let refusal: string | null = null;
  let message = '';
  const step = await stepper.commit(
    rollout,
    { record, session: open(rollout, record) },
    (session) => {
      // decided again on every redo: the record a redo sees may refuse what the first one accepted
      const verdict = session.canAccept(cmd);
      refusal = verdict.ok ? null : verdict.reason;
      return verdict.ok ? session.command(cmd, { now: opts.now, by: opts.by, reason: opts.reason }) : EMPTY;
    },
    {
      log,
      specHash: 'keep',
      skip: () => refusal !== null,
      // the command and what it caused commit with the record that says so: a kill loses none of them
      history: (before, session, outcome) => {
        const summary = session.summary();
        message = acceptedMessage(
          cmd,
          rollout.name,
          outcome,
          summary,
          session.intent() !== null,
          opts.controllerRunning,
          opts.callerWrites,
        );
        return [commandEntry(cmd, opts, true, message), ...stepEntries(before, summary, outcome, opts.now)];
      },
    },
  );
  const summary = step.session.summary();
  if (refusal !== null) {
    message = `${cmd} refused for ${rollout.name}: ${String(refusal)}`;
    await store.appendHistory(rollout.name, commandEntry(cmd, opts, false, message));
    return { accepted: false, message, summary, outcome: EMPTY, record: step.record };
  }
  const { outcome } = step;
  for (const event of outcome.notices) opts.notify?.(rollout.notify, event);
  return { accepted: true, message, summary, outcome, record: step.record };
}
