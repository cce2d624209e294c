/*
 * Rollout files for controller and end-to-end tests: second-scale stages and
 * metric queries named after the rollout, so one sandbox serves many
 * rollouts without their series mixing.
 */
export interface RolloutYamlOptions {
  readonly name: string;
  readonly feature?: string;
  readonly toggleProvider?: string;
  readonly every?: string;
  readonly stages?: readonly { name: string; percent: number; minDuration?: string; approval?: boolean }[];
  readonly rollback?: readonly string[];
  readonly advance?: readonly string[];
  readonly noData?: 'hold' | 'pause' | 'rollback';
  readonly maxConsecutiveErrors?: number;
  readonly start?: string;
  readonly window?: string;
  readonly extra?: string;
}

/** the Datadog query strings a rollout made by `rolloutYaml` reads */
export function queriesFor(name: string): { errors: string; requests: string } {
  const metric = name.replace(/-/g, '_');
  return {
    errors: `sum:${metric}.errors{env:test}.as_count()`,
    requests: `sum:${metric}.requests{env:test}.as_count()`,
  };
}

export function rolloutYaml(o: RolloutYamlOptions): string {
  const q = queriesFor(o.name);
  const stages = o.stages ?? [
    { name: 'canary', percent: 5, minDuration: '2s' },
    { name: 'half', percent: 50, minDuration: '2s' },
    { name: 'full', percent: 100, minDuration: '1s' },
  ];
  const stageLines = stages
    .map(
      (s) =>
        `  - { name: ${s.name}, percent: ${s.percent}, minDuration: ${s.minDuration ?? '1s'}${s.approval ? ', approval: required' : ''} }`,
    )
    .join('\n');
  const list = (items: readonly string[]) =>
    items.length === 0 ? ' []' : `\n${items.map((c) => `    - ${c}`).join('\n')}`;
  return `name: ${o.name}
toggle:
  provider: ${o.toggleProvider ?? 'flipper'}
  feature: ${o.feature ?? `${o.name.replace(/-/g, '_')}_enabled`}
  gate: percentage_of_actors
  onRollback: zero
start: ${o.start ?? 'immediately'}
check:
  every: ${o.every ?? '1s'}
  timezone: UTC
stages:
${stageLines}
metrics:
  requests:
    datadog: { query: "${q.requests}", aggregator: sum }
    window: ${o.window ?? '10s'}
  error_rate:
    datadog:
      numerator: "${q.errors}"
      denominator: "${q.requests}"
    window: ${o.window ?? '10s'}
criteria:
  advance:${list(o.advance ?? ['error_rate < 5%'])}
  rollback:${list(o.rollback ?? ['error_rate > 20%'])}
policy:
  noData: ${o.noData ?? 'hold'}
  maxConsecutiveErrors: ${o.maxConsecutiveErrors ?? 3}
  confidence: 0.95
${o.extra ?? ''}`;
}
