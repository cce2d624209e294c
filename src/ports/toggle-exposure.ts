import type { ExposingGate, Exposure, Gate, ToggleProvider, ToggleState } from './toggle-provider.js';

/*
 * Exposure, not one gate (issue 13). Flipper OR-s its gates: a
 * percentage_of_time or an expression set by hand exposes users whatever
 * percentage_of_actors says, so the drift check and the reports look at every
 * gate. Pure (no clock, no I/O) except `readConfirmed`, which only talks to the
 * port: the engine and the runtime may import all of it.
 */

/** What the controller last made the toggle show: its gate at `percent`, and the boolean gate when it enabled it. */
export interface ExpectedExposure {
  readonly gate: Gate;
  readonly percent: number;
  /** true after `onComplete: enable` turned the boolean gate on */
  readonly enabled?: boolean;
}

export type DriftGate = 'feature' | 'boolean' | 'expression' | Gate;

export interface GateChange {
  readonly gate: DriftGate;
  /** as people read it: `25%`, `off`, `unset`, `exists` */
  readonly expected: string;
  readonly actual: string;
}

export type ExposureComparison =
  | { readonly kind: 'ok' }
  | { readonly kind: 'drift'; readonly changes: readonly GateChange[]; readonly reason: string };

const SCALE = 1000;
const EPSILON = 1e-9;

function round3(n: number): number {
  return Math.round(n * SCALE) / SCALE;
}

function pct(n: number): string {
  return `${String(round3(n))}%`;
}

/** The exposure summary of a state's gates (also for records written before `exposure` existed). */
export function exposureOf(
  state: Pick<
    ToggleState,
    'exists' | 'enabled' | 'percentageOfActors' | 'percentageOfTime' | 'expression' | 'actors' | 'groups'
  >,
): Exposure {
  if (!state.exists) return { gates: [], actorPercent: 0, anonymousPercent: 0 };
  const expression = state.expression ?? null;
  const open: Record<ExposingGate, boolean> = {
    boolean: state.enabled,
    expression: expression !== null,
    actors: state.actors.length > 0,
    percentage_of_actors: state.percentageOfActors > 0,
    percentage_of_time: state.percentageOfTime > 0,
    groups: state.groups.length > 0,
  };
  const order: readonly ExposingGate[] = [
    'boolean',
    'expression',
    'actors',
    'percentage_of_actors',
    'percentage_of_time',
    'groups',
  ];
  const a = state.percentageOfActors / 100;
  const t = state.percentageOfTime / 100;
  return {
    gates: order.filter((g) => open[g]),
    // a check passes the actor gate or the time gate; the two draws are independent
    actorPercent: state.enabled ? 100 : round3((1 - (1 - a) * (1 - t)) * 100),
    anonymousPercent: state.enabled ? 100 : round3(state.percentageOfTime),
  };
}

/**
 * Effective exposure in one line, for `status`, the check log and the report:
 *   `25% of actors + 10% of time + 2 actors (32.5% of checks with an actor, 10% without)`
 */
export function formatExposure(state: ToggleState): string {
  if (!state.exists) return 'feature does not exist';
  const exposure = exposureOf(state);
  if (state.enabled) return 'on for everyone (boolean gate)';
  if (exposure.gates.length === 0) return 'off (no gate exposes users)';
  const parts: string[] = [];
  for (const gate of exposure.gates) {
    if (gate === 'percentage_of_actors') parts.push(`${pct(state.percentageOfActors)} of actors`);
    else if (gate === 'percentage_of_time') parts.push(`${pct(state.percentageOfTime)} of time`);
    else if (gate === 'expression') parts.push('expression');
    else if (gate === 'actors') parts.push(plural(state.actors.length, 'actor'));
    else if (gate === 'groups') parts.push(plural(state.groups.length, 'group'));
  }
  const summary =
    exposure.actorPercent === exposure.anonymousPercent
      ? `${pct(exposure.actorPercent)} of checks`
      : `${pct(exposure.actorPercent)} of checks with an actor, ${pct(exposure.anonymousPercent)} without`;
  const more = exposure.gates.some((g) => g === 'expression' || g === 'actors' || g === 'groups')
    ? ', more through allow-lists or the expression'
    : '';
  return `${parts.join(' + ')} (${summary}${more})`;
}

/**
 * Drift: any change to the exposure the controller did not make. The rollout's
 * gate must show what it set, the other percentage gate 0, no expression, and
 * the boolean gate as it left it. Actors and groups are left out on purpose:
 * UAT allow-lists belong to the team, who add testers by hand mid-rollout.
 */
export function compareExposure(expected: ExpectedExposure, actual: ToggleState): ExposureComparison {
  const changes: GateChange[] = [];
  if (expected.enabled === true) {
    // on for everyone: nothing but the boolean gate going off changes that
    if (!actual.exists || !actual.enabled) changes.push({ gate: 'boolean', expected: 'on', actual: 'off' });
    return result(changes);
  }
  if (!actual.exists) {
    if (expected.percent > EPSILON) changes.push({ gate: 'feature', expected: 'exists', actual: 'missing' });
    return result(changes);
  }
  if (actual.enabled) changes.push({ gate: 'boolean', expected: 'off', actual: 'on' });
  const other: Gate =
    expected.gate === 'percentage_of_actors' ? 'percentage_of_time' : 'percentage_of_actors';
  const value = (g: Gate): number =>
    g === 'percentage_of_actors' ? actual.percentageOfActors : actual.percentageOfTime;
  if (Math.abs(value(expected.gate) - expected.percent) > EPSILON) {
    changes.push({ gate: expected.gate, expected: pct(expected.percent), actual: pct(value(expected.gate)) });
  }
  if (value(other) > EPSILON) changes.push({ gate: other, expected: '0%', actual: pct(value(other)) });
  const expression = actual.expression ?? null;
  if (expression !== null) changes.push({ gate: 'expression', expected: 'unset', actual: expression });
  return result(changes);
}

function result(changes: GateChange[]): ExposureComparison {
  if (changes.length === 0) return { kind: 'ok' };
  const reason = `drift: ${changes.map((c) => `${c.gate} is ${c.actual} (stagegate set ${c.expected})`).join(', ')}`;
  return { kind: 'drift', changes, reason };
}

/**
 * One anomalous read (a 200 with empty or null gates from a cache miss, a
 * proxy, a deploy) must not pause a rollout: drift counts only when a second
 * read, taken after the first showed drift, shows it too. The second read is
 * the truth when they differ.
 */
export function confirmDrift(first: ExposureComparison, second: ExposureComparison): ExposureComparison {
  return first.kind === 'drift' && second.kind === 'drift' ? second : { kind: 'ok' };
}

export interface ConfirmedRead {
  /** the state the comparison was made on: the second read when one was taken */
  readonly state: ToggleState;
  readonly comparison: ExposureComparison;
  /** 1 when the first read matched; 2 when drift had to be confirmed */
  readonly reads: 1 | 2;
  /** the first read showed drift and the second did not: worth a warn log line */
  readonly anomalous: boolean;
}

/** Reads the toggle and, when it looks drifted, reads it once more before calling it drift. */
export async function readConfirmed(
  provider: ToggleProvider,
  feature: string,
  expected: ExpectedExposure,
  signal?: AbortSignal,
): Promise<ConfirmedRead> {
  const first = await provider.read(feature, signal);
  const firstComparison = compareExposure(expected, first);
  if (firstComparison.kind === 'ok') {
    return { state: first, comparison: firstComparison, reads: 1, anomalous: false };
  }
  const second = await provider.read(feature, signal);
  const comparison = confirmDrift(firstComparison, compareExposure(expected, second));
  return { state: second, comparison, reads: 2, anomalous: comparison.kind === 'ok' };
}

function plural(n: number, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}
