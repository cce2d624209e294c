import { z } from 'zod';
import { StagegateError } from '../../errors.js';
import type { ToggleState } from '../../ports/toggle-provider.js';
import { canonicalJson } from '../../rollout/canonical-json.js';
import { normalizePercent, toggleState } from './toggle-state.js';

/*
 * flipper-api's feature document (lib/flipper/api/v1/decorators/feature.rb):
 *   {"key":"f","state":"conditional","gates":[{"key":"boolean","name":"boolean","value":null},
 *    {"key":"actors","name":"actor","value":["User;1"]},
 *    {"key":"percentage_of_actors","name":"percentage_of_actors","value":"25"}, ...]}
 * Values are what the adapter stored: strings ("25", "true") or null; set
 * gates (actors, groups) are arrays, the expression gate an object such as
 * {"Equal":[{"Property":["plan"]},"basic"]}. Gates unknown to stagegate are ignored.
 */

const gateSchema = z.object({
  key: z.string(),
  name: z.string().optional(),
  value: z.unknown(),
});

export const flipperFeatureSchema = z.object({
  key: z.string(),
  state: z.string().optional(),
  gates: z.array(gateSchema),
});

/** `{"code":1,"message":"Feature not found.","more_info":"https://flippercloud.io/docs/api#error-code-reference"}` */
export const flipperErrorSchema = z.object({
  code: z.number(),
  message: z.string(),
  more_info: z.string().optional(),
});

/** flipper-api error code for an unknown feature (ErrorResponse::ERRORS[:feature_not_found]) */
export const FLIPPER_FEATURE_NOT_FOUND = 1;

/**
 * The state a feature document describes, for the feature named by its `key`
 * (callers compare it with the one they asked for). A document without gates
 * is refused: flipper-api lists every gate of a feature, set or not, so an
 * empty list is an anomaly (a proxy, a broken cache) and reading it as "all
 * gates off" would be a false drift.
 */
export function parseFlipperFeature(feature: string, body: string): ToggleState {
  const parsed = flipperFeatureSchema.safeParse(parseJson(body));
  if (!parsed.success) {
    throw new StagegateError(
      'E_PROVIDER_RESPONSE',
      `Flipper answered an unexpected document for ${feature}`,
      {
        feature,
        issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      },
    );
  }
  if (parsed.data.gates.length === 0) {
    throw new StagegateError(
      'E_PROVIDER_RESPONSE',
      `Flipper answered a document without gates for ${feature}`,
      { feature, reason: 'no-gates' },
    );
  }
  const values = new Map(parsed.data.gates.map((g) => [g.key, g.value]));
  return toggleState({
    feature: parsed.data.key,
    exists: true,
    enabled: values.get('boolean') === 'true' || values.get('boolean') === true,
    percentageOfActors: percentValue(feature, 'percentage_of_actors', values.get('percentage_of_actors')),
    percentageOfTime: percentValue(feature, 'percentage_of_time', values.get('percentage_of_time')),
    expression: expressionValue(values.get('expression')),
    actors: setValue(feature, 'actors', values.get('actors')),
    groups: setValue(feature, 'groups', values.get('groups')),
  });
}

/** The expression gate as canonical JSON, so two reads of one expression compare equal. */
function expressionValue(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'object' && Object.keys(value).length === 0) return null;
  return canonicalJson(value);
}

/** True for flipper-api's 404 `{"code":1,...}`, as opposed to a 404 from a wrong base URL. */
export function isFeatureNotFound(body: string): boolean {
  const parsed = flipperErrorSchema.safeParse(parseJson(body));
  return parsed.success && parsed.data.code === FLIPPER_FEATURE_NOT_FOUND;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function percentValue(feature: string, gate: string, value: unknown): number {
  if (value === null || value === undefined || value === '') return 0;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) {
    throw new StagegateError('E_PROVIDER_RESPONSE', `Flipper answered a non-numeric ${gate} for ${feature}`, {
      feature,
      gate,
    });
  }
  return normalizePercent(n);
}

function setValue(feature: string, gate: string, value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value].sort();
  throw new StagegateError(
    'E_PROVIDER_RESPONSE',
    `Flipper answered a malformed ${gate} gate for ${feature}`,
    {
      feature,
      gate,
    },
  );
}
