import { z } from 'zod';
import type { Gate, ToggleState } from '../../ports/toggle-provider.js';
import { normalizePercent } from './toggle-state.js';

/*
 * The webhook toggle's wire format. Requests: `POST {url}` with
 * `{feature, action, percent, gate?, mode?, id, timestamp}`. State (the
 * optional `GET {stateUrl}?feature=<name>`, or a POST response that echoes
 * it): `{percent, enabled}` at least; a receiver that knows more may answer
 * the per-gate percentages and allow-lists, and `exists: false` (or a 404)
 * for an unknown toggle.
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
 * A single `percent` is the share the receiver applies whatever the gate, so
 * it stands for both gates: the drift check compares it with what was set.
 */
export function toToggleState(feature: string, state: WebhookState): ToggleState {
  const single = state.percent ?? 0;
  return {
    feature,
    exists: state.exists ?? true,
    enabled: state.enabled,
    percentageOfActors: normalizePercent(state.percentageOfActors ?? single),
    percentageOfTime: normalizePercent(state.percentageOfTime ?? single),
    actors: [...(state.actors ?? [])].sort(),
    groups: [...(state.groups ?? [])].sort(),
  };
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
