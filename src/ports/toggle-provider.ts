/*
 * Toggle port (DESIGN.md §5, §7). Writes are absolute and idempotent: "set
 * 25%", never "add 25%", so re-applying an intent after a crash is safe.
 */

export type Gate = 'percentage_of_actors' | 'percentage_of_time';

export interface ToggleState {
  readonly feature: string;
  /** false when the provider has no such feature; reads never create one */
  readonly exists: boolean;
  /** the boolean gate: on means everyone, whatever the percentages */
  readonly enabled: boolean;
  readonly percentageOfActors: number;
  readonly percentageOfTime: number;
  /** allow-lists (Flipper actor and group gates), kept by a `zero` rollback */
  readonly actors: readonly string[];
  readonly groups: readonly string[];
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
