import { exposureOf } from './toggle-exposure.js';
import type { ExposingGate, Gate, ToggleState } from './toggle-provider.js';

/*
 * Checks around a toggle write (issue 13, issue 11 item 7), pure so the
 * runtime, `query` and `validate --online` share them:
 * - before the first write: does the feature exist? (gate writes create it)
 * - after each write: is the answer the feature and the value asked for?
 * - after a rollback: does a read-back show it off, and what still exposes users?
 */

export interface FeatureRef {
  readonly provider: string;
  readonly feature: string;
  /** rollout `toggle.create: true`: the toggle may be created by the first write */
  readonly create?: boolean;
}

/** The reason a rollout must not write, or null: `feature <name> does not exist in <provider>`. */
export function featureMissing(state: ToggleState, ref: FeatureRef): string | null {
  if (state.exists || ref.create === true) return null;
  return `feature ${ref.feature} does not exist in ${ref.provider}`;
}

/** One write as asked of a provider. `zero` is both percentage gates to 0. */
export type ToggleWrite =
  | { readonly feature: string; readonly action: 'set'; readonly gate: Gate; readonly percent: number }
  | { readonly feature: string; readonly action: 'zero' }
  | { readonly feature: string; readonly action: 'disable' }
  | { readonly feature: string; readonly action: 'enable' };

export type WriteCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const EPSILON = 1e-9;

/**
 * A write answered 200 with another feature's document (a proxy, a cache, a
 * bug) or with the old value is not a write that happened: the caller turns
 * `ok: false` into E_TOGGLE_MISMATCH, so a rollback is retried, never recorded
 * as done while the toggle stays at 100%.
 */
export function confirmToggleWrite(asked: ToggleWrite, answer: ToggleState): WriteCheck {
  if (answer.feature !== asked.feature) {
    return mismatch(`the answer is the document of feature ${answer.feature}, not ${asked.feature}`);
  }
  if (!answer.exists) return mismatch(`feature ${asked.feature} does not exist after the write`);
  switch (asked.action) {
    case 'set': {
      const value =
        asked.gate === 'percentage_of_actors' ? answer.percentageOfActors : answer.percentageOfTime;
      return Math.abs(value - asked.percent) > EPSILON
        ? mismatch(`${asked.gate} reads ${show(value)} after setting ${show(asked.percent)}`)
        : { ok: true };
    }
    case 'zero':
      return answer.percentageOfActors > EPSILON || answer.percentageOfTime > EPSILON
        ? mismatch(
            `percentage gates read ${show(answer.percentageOfActors)} of actors, ${show(answer.percentageOfTime)} of time after setting both to 0%`,
          )
        : { ok: true };
    case 'disable':
      return answer.enabled || answer.percentageOfActors > EPSILON || answer.percentageOfTime > EPSILON
        ? mismatch('gates still open after turning the boolean gate off')
        : { ok: true };
    case 'enable':
      return answer.enabled ? { ok: true } : mismatch('boolean gate reads off after turning it on');
  }
}

export interface OffConfirmation {
  /** the read-back shows the rollback's write in place (or the feature gone) */
  readonly confirmed: boolean;
  /** why not confirmed; null when confirmed */
  readonly reason: string | null;
  /** gates other than the allow-lists that still expose users (a `zero` keeps the boolean and expression gates) */
  readonly stillExposing: readonly ExposingGate[];
  /** kept on purpose by `zero`: UAT allow-lists */
  readonly allowLists: { readonly actors: number; readonly groups: number };
}

/**
 * A rollback is done when a read-back says so, not when a write answered
 * 200. Until `confirmed`, the runtime keeps the rollout `rolling_back` and
 * alerts; `stillExposing` is reported either way.
 */
export function confirmOff(read: ToggleState, mode: 'zero' | 'disable'): OffConfirmation {
  const allowLists = { actors: read.actors.length, groups: read.groups.length };
  if (!read.exists) return { confirmed: true, reason: null, stillExposing: [], allowLists };
  const stillExposing = exposureOf(read).gates.filter((g) => g !== 'actors' && g !== 'groups');
  const percentages = read.percentageOfActors > EPSILON || read.percentageOfTime > EPSILON;
  let reason: string | null = null;
  if (percentages) {
    reason = `read-back shows ${show(read.percentageOfActors)} of actors, ${show(read.percentageOfTime)} of time`;
  } else if (mode === 'disable' && read.enabled) {
    reason = 'read-back shows the boolean gate on';
  }
  return { confirmed: reason === null, reason, stillExposing, allowLists };
}

/** `toggle off (percentage gates 0); still exposing: boolean; kept allow-lists: 3 actors, 1 group` */
export function describeOff(off: OffConfirmation): string {
  const head = off.confirmed ? 'toggle off' : `toggle not confirmed off: ${off.reason ?? 'unknown'}`;
  const still = off.stillExposing.length > 0 ? `; still exposing: ${off.stillExposing.join(', ')}` : '';
  const { actors, groups } = off.allowLists;
  const kept =
    actors + groups > 0
      ? `; kept allow-lists: ${String(actors)} actor${actors === 1 ? '' : 's'}, ${String(groups)} group${groups === 1 ? '' : 's'}`
      : '';
  return `${head}${still}${kept}`;
}

function mismatch(reason: string): WriteCheck {
  return { ok: false, reason };
}

function show(n: number): string {
  return `${String(Math.round(n * 1000) / 1000)}%`;
}
