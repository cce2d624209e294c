/*
 * The feature store of the Flipper sandbox: what a Flipper adapter keeps per
 * feature, and the documents flipper-api answers (flippercloud/flipper,
 * lib/flipper/api/v1/decorators/feature.rb and gate.rb, lib/flipper/feature.rb).
 */

/** A change "by hand", as a person in the Flipper UI would make it. */
export interface ManualFeatureChange {
  readonly enabled?: boolean;
  readonly percentageOfActors?: number;
  readonly percentageOfTime?: number;
  /** an expression such as {"Equal":[{"Property":["plan"]},"basic"]}; null clears it */
  readonly expression?: Readonly<Record<string, unknown>> | null;
  readonly actors?: readonly string[];
  readonly groups?: readonly string[];
}

export interface FlipperGateJson {
  readonly key: string;
  readonly name: string;
  readonly value: string | string[] | Readonly<Record<string, unknown>> | null;
}

export interface FlipperFeatureJson {
  readonly key: string;
  readonly state: 'on' | 'off' | 'conditional';
  readonly gates: FlipperGateJson[];
}

/** What a Flipper adapter stores per feature (Flipper::Adapter.default_config). */
export interface GateValues {
  boolean: string | null;
  expression: Readonly<Record<string, unknown>> | null;
  actors: Set<string>;
  groups: Set<string>;
  percentage_of_actors: string | null;
  percentage_of_time: string | null;
}

/** lib/flipper/api/error_response.rb */
export const ERRORS = {
  featureNotFound: { status: 404, code: 1, message: 'Feature not found.' },
  percentageInvalid: {
    status: 422,
    code: 3,
    message: 'Percentage must be a positive number less than or equal to 100.',
  },
  flipperIdInvalid: { status: 422, code: 4, message: 'Required parameter flipper_id is missing.' },
  nameInvalid: { status: 422, code: 5, message: 'Required parameter name is missing.' },
} as const;

export type FlipperApiError = (typeof ERRORS)[keyof typeof ERRORS];

export const MORE_INFO = 'https://flippercloud.io/docs/api#error-code-reference';

export function emptyValues(): GateValues {
  return {
    boolean: null,
    expression: null,
    actors: new Set(),
    groups: new Set(),
    percentage_of_actors: null,
    percentage_of_time: null,
  };
}

/**
 * Flipper::Api::V1::Decorators::Feature#as_json: the gates in the order of
 * Flipper::Feature#gates_hash (boolean, expression, actor,
 * percentage_of_actors, percentage_of_time, group), each gate's members in
 * the order key, name, value; set gates as arrays.
 */
export function featureDocument(name: string, v: GateValues): FlipperFeatureJson {
  const gates: FlipperGateJson[] = [
    { key: 'boolean', name: 'boolean', value: v.boolean },
    { key: 'expression', name: 'expression', value: v.expression },
    { key: 'actors', name: 'actor', value: [...v.actors] },
    { key: 'percentage_of_actors', name: 'percentage_of_actors', value: v.percentage_of_actors },
    { key: 'percentage_of_time', name: 'percentage_of_time', value: v.percentage_of_time },
    { key: 'groups', name: 'group', value: [...v.groups] },
  ];
  return { key: name, state: featureState(v), gates };
}

/** Flipper::Feature#state */
function featureState(v: GateValues): 'on' | 'off' | 'conditional' {
  if (v.boolean === 'true' || Number(v.percentage_of_time) === 100) return 'on';
  const conditional =
    v.expression !== null ||
    v.actors.size > 0 ||
    v.groups.size > 0 ||
    Number(v.percentage_of_actors) > 0 ||
    Number(v.percentage_of_time) > 0;
  return conditional ? 'conditional' : 'off';
}

/** Applies a by-hand change to stored values. */
export function applyManualChange(values: GateValues, change: ManualFeatureChange): void {
  if (change.enabled !== undefined) values.boolean = change.enabled ? 'true' : null;
  if (change.percentageOfActors !== undefined)
    values.percentage_of_actors = storedNumber(change.percentageOfActors);
  if (change.percentageOfTime !== undefined)
    values.percentage_of_time = storedNumber(change.percentageOfTime);
  if (change.expression !== undefined) values.expression = change.expression;
  if (change.actors !== undefined) values.actors = new Set(change.actors);
  if (change.groups !== undefined) values.groups = new Set(change.groups);
}

/**
 * PercentageOfActorsGate#percentage: the parameter must contain a digit and
 * convert (Typecast.to_number: "2.5" → 2.5, "25" → 25) to 0..100. Returns the
 * value as the adapter stores it (Ruby's to_s), or undefined for a 422.
 */
export function flipperPercentage(param: string | undefined): string | undefined {
  const text = param ?? '';
  if (!/\d/.test(text)) return undefined;
  const isFloat = text.includes('.');
  const parsed = isFloat ? Number.parseFloat(text) : Number.parseInt(text, 10);
  const value = Number.isNaN(parsed) ? 0 : parsed;
  if (value < 0 || value > 100) return undefined;
  return isFloat ? rubyFloat(value) : String(value);
}

function storedNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : rubyFloat(n);
}

/** Ruby's Float#to_s keeps a ".0" on whole numbers: 25.0.to_s == "25.0". */
function rubyFloat(n: number): string {
  return Number.isInteger(n) ? `${String(n)}.0` : String(n);
}
