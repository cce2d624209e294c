/*
 * Toggle port (DESIGN.md §5, §7). Writes are absolute and idempotent: "set
 * 25%", never "add 25%", so re-applying an intent after a crash is safe.
 */

export type Gate = 'percentage_of_actors' | 'percentage_of_time';

/** Every Flipper gate that can expose users, in Flipper's evaluation order (Flipper::Feature#gates). */
export type ExposingGate =
  'boolean' | 'expression' | 'actors' | 'percentage_of_actors' | 'percentage_of_time' | 'groups';

/**
 * Gates are OR-ed, so exposure is every gate together. Checks with an actor
 * see the feature on when any gate opens; checks without one (`Flipper.enabled?(:f)`)
 * can only pass the boolean and percentage_of_time gates.
 */
export interface Exposure {
  /** the gates that expose someone now, in Flipper's order; empty when nobody sees the feature */
  readonly gates: readonly ExposingGate[];
  /** share of checks with an actor turned on by the boolean and percentage gates: 1-(1-a)(1-t) */
  readonly actorPercent: number;
  /** share of checks without an actor turned on: 100 with the boolean gate, else percentage_of_time */
  readonly anonymousPercent: number;
}

export interface ToggleState {
  /** the feature the provider answered for (Flipper: the document's `key`) */
  readonly feature: string;
  /** false when the provider has no such feature; reads never create one */
  readonly exists: boolean;
  /** the boolean gate: on means everyone, whatever the percentages */
  readonly enabled: boolean;
  readonly percentageOfActors: number;
  readonly percentageOfTime: number;
  /** Flipper's expression gate as canonical JSON (keys sorted); null when unset or the provider has none */
  readonly expression: string | null;
  /** allow-lists (Flipper actor and group gates), kept by a `zero` rollback */
  readonly actors: readonly string[];
  readonly groups: readonly string[];
  /** every exposing gate summarized; derived from the fields above (exposureOf) */
  readonly exposure: Exposure;
}

export interface ToggleProvider {
  readonly name: string;
  read(feature: string, signal?: AbortSignal): Promise<ToggleState>;
  setPercent(feature: string, percent: number, gate: Gate, signal?: AbortSignal): Promise<ToggleState>;
  /** zero: the percentage gates to 0, allow-lists kept; disable: the boolean gate off (Flipper clears every gate) */
  disable(feature: string, mode: 'zero' | 'disable', signal?: AbortSignal): Promise<ToggleState>;
  /** the boolean gate on (rollout `onComplete: enable`) */
  enable(feature: string, signal?: AbortSignal): Promise<ToggleState>;
}

/** The share of users the toggle reaches through `gate`, as the drift check compares it. */
export function effectivePercent(state: ToggleState, gate: Gate): number {
  if (state.enabled) return 100;
  return gate === 'percentage_of_actors' ? state.percentageOfActors : state.percentageOfTime;
}
