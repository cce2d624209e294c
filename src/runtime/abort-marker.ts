import type { Logger } from '../log.js';
import { historyEntry } from '../ports/history.js';
import type { Rollout } from '../rollout/types.js';
import { stepEntries } from './history-entries.js';
import type { Position, Stepper } from './step.js';

/*
 * A CLI abort with no controller whose record could not be saved (issue 11
 * item 1): the toggle IS off, the record still says X%. A controller started
 * later would read 0% against X% and pause it as drift, and a `resume` would
 * then put X% of users back on. So the CLI leaves a durable marker outside
 * the failing store (controller/abort-spool.ts) and the first check that can
 * save applies it: the abort is recorded as the operator gave it (who, why,
 * when), before the toggle is read, so the 0% is the abort it was, not drift.
 * The marker is cleared once the record says so (or the record cannot take
 * an abort any more: already rolled back).
 */

export interface AbortMarker {
  readonly rollout: string;
  readonly feature: string;
  readonly by: string;
  readonly reason: string | null;
  /** when the operator aborted (epoch ms) */
  readonly at: number;
  /** why the record could not be saved */
  readonly error: string;
}

export interface AbortMarkers {
  get(name: string): Promise<AbortMarker | undefined>;
  clear(name: string): Promise<void>;
}

/** The position after applying `name`'s marker, if any; the same position when there is none to apply. */
export async function applyAbortMarker(
  markers: AbortMarkers,
  rollout: Rollout,
  from: Position,
  stepper: Stepper,
  log: Logger,
): Promise<Position> {
  const marker = await markers.get(rollout.name).catch(() => undefined);
  if (!marker || marker.feature !== rollout.toggle.feature) return from;
  const verdict = from.session.canAccept('abort');
  if (!verdict.ok || from.session.intent() !== null) {
    // already recorded (the store came back for the CLI after all, or a controller saw it): nothing to apply
    if (from.session.intent() === null) await markers.clear(rollout.name);
    return from;
  }
  const meta = { now: marker.at, by: marker.by, reason: marker.reason };
  const step = await stepper.commit(rollout, from, (s) => s.command('abort', meta), {
    log,
    specHash: 'keep',
  });
  await stepper.append(rollout.name, [
    historyEntry({
      type: 'command',
      at: marker.at,
      command: 'abort',
      by: marker.by,
      reason: marker.reason,
      accepted: true,
      message: `abort accepted for ${rollout.name}; toggle written off by the CLI, recorded by the controller (the store failed: ${marker.error})`,
    }),
    ...stepEntries(step.before, step.session.summary(), step.outcome, marker.at),
  ]);
  await markers.clear(rollout.name);
  log.warn(
    { by: marker.by, abortedAt: new Date(marker.at).toISOString(), error: marker.error },
    'abort recorded from the marker an unsaved CLI abort left',
  );
  return step;
}
