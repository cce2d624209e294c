import { StagegateError } from '../errors.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { RolloutRecord, RolloutSummary, StateStore } from '../ports/state-store.js';
import type { Rollout } from '../rollout/types.js';
import { openEngineSession } from './engine-adapter.js';
import type { EngineSession, OperatorCommand, StepOutcome } from './engine-session.js';

/*
 * pause | resume | approve | abort | promote | retry (DESIGN.md §1), for the
 * CLI and the HTTP API alike. They go through the state store only, so they
 * work whether or not a controller is running: the command is applied to the
 * engine restored from the record and saved with the record's version; if a
 * running controller saved in between, it is redone on the new version. A
 * toggle write the command causes (abort → off, promote → next stage) is left
 * in the record as an intent; a running controller applies it within a second
 * (its poll), a stopped one at its next start. Every command, accepted or
 * refused, is recorded in history with who and why. What an accepted command
 * itself changed (a pause) is notified here, after it is saved; what its
 * toggle write changes (advanced, rolled back) is notified by whoever makes
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

const MAX_REDO = 5;
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
): string {
  const where = position(summary);
  const moved = outcome.transitions.length > 0 ? `; now ${where}` : `; still ${where}`;
  const write = hasIntent ? '; toggle write pending: a running controller applies it within a second' : '';
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

export async function applyOperatorCommand(
  store: StateStore,
  rollout: Rollout,
  cmd: OperatorCommand,
  opts: CommandOptions,
): Promise<CommandResult> {
  const open = opts.openSession ?? openEngineSession;
  for (let attempt = 1; ; attempt++) {
    const record = await store.load(rollout.name);
    const session = open(rollout, record);
    const verdict = session.canAccept(cmd);
    if (!verdict.ok) {
      const message = `${cmd} refused for ${rollout.name}: ${verdict.reason}`;
      await store.appendHistory(rollout.name, {
        type: 'command',
        at: opts.now,
        command: cmd,
        by: opts.by,
        reason: opts.reason,
        accepted: false,
        message,
      });
      return { accepted: false, message, summary: session.summary(), outcome: EMPTY, record };
    }
    const outcome = session.command(cmd, { now: opts.now, by: opts.by, reason: opts.reason });
    const next: RolloutRecord = {
      name: rollout.name,
      version: record?.version ?? 0,
      // the spec the controller last checked against stays recorded until it checks the new one
      specHash: record?.specHash ?? rollout.specHash,
      snapshot: session.persisted(),
      intent: session.intent(),
      summary: session.summary(),
      updatedAt: opts.now,
    };
    let saved: RolloutRecord;
    try {
      saved = await store.save(next, record?.version ?? 0);
    } catch (err) {
      if (err instanceof StagegateError && err.code === 'E_STORE_CONFLICT' && attempt < MAX_REDO) continue;
      throw err;
    }
    const summary = session.summary();
    const message = acceptedMessage(cmd, rollout.name, outcome, summary, saved.intent !== null);
    await store.appendHistory(rollout.name, {
      type: 'command',
      at: opts.now,
      command: cmd,
      by: opts.by,
      reason: opts.reason,
      accepted: true,
      message,
    });
    for (const t of outcome.transitions.filter((x) => x.from !== x.to)) {
      const { from, to, stage, percent, reason } = t;
      await store.appendHistory(rollout.name, {
        type: 'transition',
        at: opts.now,
        from,
        to,
        stage,
        percent,
        reason,
      });
    }
    for (const event of outcome.notices) opts.notify?.(rollout.notify, event);
    return { accepted: true, message, summary, outcome, record: saved };
  }
}
