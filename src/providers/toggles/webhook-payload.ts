import { z } from 'zod';
import type { Gate, ToggleState } from '../../ports/toggle-provider.js';
import { normalizePercent, toggleState } from './toggle-state.js';

/*
 * The webhook toggle's wire format. Requests: `POST {url}` with
 * `{feature, action, percent, gate?, mode?, id, timestamp}`. State (the
 * optional `GET {stateUrl}?feature=<name>`, or a POST response that echoes
 * it): `{percent, enabled}` at least; a receiver that knows more may answer
 * the per-gate percentages and allow-lists, `feature` (checked against the
 * toggle asked for), and `exists: false` (or a 404) for an unknown toggle.
 */

export interface WebhookRequestBody {
  readonly feature: string;
  readonly action: 'set' | 'disable' | 'enable';
  /** the percent the toggle must show afterwards: the value for set, 0 for disable, 100 for enable */
  readonly percent: number;
  readonly gate?: Gate;
  readonly mode?: 'zero' | 'disable';
  /** unique per call (the same across retries of one call): receivers may dedupe on it */
  readonly id: string;
  /** unix seconds when the call began; signed with the body */
  readonly timestamp: number;
}

const percent = z.number().min(0).max(100);

export const webhookStateSchema = z
  .object({
    /** the toggle the state is for; when a receiver sends it, a write answered for another toggle is refused */
    feature: z.string().optional(),
    exists: z.boolean().optional(),
    enabled: z.boolean(),
    percent: percent.optional(),
    percentageOfActors: percent.optional(),
    percentageOfTime: percent.optional(),
    actors: z.array(z.string()).optional(),
    groups: z.array(z.string()).optional(),
  })
  .refine(
    (s) =>
      s.exists === false ||
      s.percent !== undefined ||
      s.percentageOfActors !== undefined ||
      s.percentageOfTime !== undefined,
    {
      message: 'needs `percent` (or percentageOfActors / percentageOfTime)',
    },
  );

export type WebhookState = z.output<typeof webhookStateSchema>;

/**
 * A single `percent` is the one share the receiver applies, whatever the
 * gate: it is read as the gate stagegate writes (`gate`, default
 * percentage_of_actors) with the other at 0, so the exposure check does not
 * see a second gate that does not exist.
 */
export function toToggleState(
  feature: string,
  state: WebhookState,
  gate: Gate = 'percentage_of_actors',
): ToggleState {
  const single = state.percent ?? 0;
  const fallback = (g: Gate): number => (g === gate ? single : 0);
  return toggleState({
    feature: state.feature ?? feature,
    exists: state.exists ?? true,
    enabled: state.enabled,
    percentageOfActors: normalizePercent(state.percentageOfActors ?? fallback('percentage_of_actors')),
    percentageOfTime: normalizePercent(state.percentageOfTime ?? fallback('percentage_of_time')),
    expression: null,
    actors: [...(state.actors ?? [])].sort(),
    groups: [...(state.groups ?? [])].sort(),
  });
}

/** The parsed state, or undefined when the text is not a state document. */
export function parseWebhookState(body: string): WebhookState | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = webhookStateSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
