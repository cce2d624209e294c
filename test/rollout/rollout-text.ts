import { formatProblem } from '../../src/rollout/errors.js';
import { checkRolloutText } from '../../src/rollout/loader.js';

/*
 * A rollout file as text with one part swapped (issue 10/11 limits cases),
 * and its problems as `validate` prints them: the tests of schema, rules,
 * rules-config and normalize read the same file through the loader, so the
 * line:col of each message is asserted too.
 */

export interface RolloutParts {
  readonly check?: string;
  readonly stages?: string;
  readonly metrics?: string;
  readonly criteria?: string;
  readonly policy?: string;
}

export function rolloutText(parts: RolloutParts): string {
  return `name: limits
toggle: { provider: local, feature: f }
check: ${parts.check ?? '{ every: 5m }'}
stages:
${parts.stages ?? '  - { name: canary, percent: 2, minDuration: 1h }\n  - { name: full, percent: 100 }'}
metrics:
${parts.metrics ?? '  calls:\n    datadog: { query: "sum:calls{*}.as_count()", aggregator: sum }'}
criteria:
${parts.criteria ?? '  advance: [calls < 2]'}
${parts.policy === undefined ? '' : `policy: ${parts.policy}`}
`;
}

/** The smallest valid rollout file: one stage, defaults for everything else. */
export const MINIMAL = `name: tiny
toggle: { provider: local, feature: tiny_feature }
check: { every: 1m }
stages:
  - { name: all, percent: 100 }
`;

export function problemsIn(text: string, opts: Parameters<typeof checkRolloutText>[2] = {}): string[] {
  return checkRolloutText(text, 'r.yaml', opts).problems.map(formatProblem);
}
