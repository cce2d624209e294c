import { StagegateError } from '../../errors.js';
import { exposureOf } from '../../ports/toggle-exposure.js';
import type { Gate, ToggleState } from '../../ports/toggle-provider.js';

/*
 * Pure toggle state transitions shared by the in-process providers (memory,
 * file) and the webhook provider's "assumed" state. They copy Flipper's
 * semantics (DESIGN.md §7) so that `simulate` and the demo behave like
 * production: the boolean gate, on or off, clears every other gate.
 */

/** Flipper stores percentages with at most 3 decimals; so do we. */
const PERCENT_DECIMALS = 3;
const PERCENT_SCALE = 10 ** PERCENT_DECIMALS;

/** The gate fields of a state; `exposure` is always derived from them. */
export type GateFields = Omit<ToggleState, 'exposure'>;

/** A state with its exposure summary computed: every provider builds states through this. */
export function toggleState(fields: GateFields): ToggleState {
  const { exposure: _stale, ...gates } = fields as GateFields & { exposure?: unknown };
  return { ...gates, exposure: exposureOf(gates) };
}

export function absentToggleState(feature: string): ToggleState {
  return toggleState({
    feature,
    exists: false,
    enabled: false,
    percentageOfActors: 0,
    percentageOfTime: 0,
    expression: null,
    actors: [],
    groups: [],
  });
}

/** A feature that exists with every gate cleared: what Flipper's boolean DELETE leaves behind. */
export function clearedToggleState(feature: string): ToggleState {
  return toggleState({ ...absentToggleState(feature), exists: true });
}

/**
 * Throws E_TOGGLE_REJECTED before anything is sent when `percent` is not a
 * number in [0, 100] with at most 3 decimals. Rounding silently would make
 * the toggle differ from what the rollout says, which the drift check would
 * then report as a human change.
 */
export function assertValidPercent(feature: string, percent: number): void {
  const scaled = percent * PERCENT_SCALE;
  const valid =
    Number.isFinite(percent) &&
    percent >= 0 &&
    percent <= 100 &&
    Math.abs(scaled - Math.round(scaled)) < 1e-6;
  if (!valid) {
    throw new StagegateError(
      'E_TOGGLE_REJECTED',
      `percent for ${feature} must be a number from 0 to 100 with at most ${PERCENT_DECIMALS} decimals, got ${String(percent)}`,
      { feature, percent },
    );
  }
}

/** 25 → "25", 2.5 → "2.5", 0.1 + 0.2 → "0.3": the shortest exact form, no float noise, never an exponent. */
export function formatPercent(percent: number): string {
  return String(Math.round(percent * PERCENT_SCALE) / PERCENT_SCALE);
}

/** Rounds away float noise so that a value read back compares equal to the value written. */
export function normalizePercent(percent: number): number {
  return Math.round(percent * PERCENT_SCALE) / PERCENT_SCALE;
}

export function withPercent(state: ToggleState, percent: number, gate: Gate): ToggleState {
  const value = normalizePercent(percent);
  return gate === 'percentage_of_actors'
    ? toggleState({ ...state, exists: true, percentageOfActors: value })
    : toggleState({ ...state, exists: true, percentageOfTime: value });
}

/**
 * `zero` sets both percentage gates to 0 and keeps the boolean gate, the
 * expression and the allow-lists; `disable` is Flipper's boolean DELETE, which clears every gate.
 */
export function withDisabled(state: ToggleState, mode: 'zero' | 'disable'): ToggleState {
  if (mode === 'disable') return clearedToggleState(state.feature);
  return toggleState({ ...state, exists: true, percentageOfActors: 0, percentageOfTime: 0 });
}

/** Flipper's boolean POST: on for everyone, and every other gate cleared. */
export function withEnabled(state: ToggleState): ToggleState {
  return toggleState({ ...clearedToggleState(state.feature), enabled: true });
}
