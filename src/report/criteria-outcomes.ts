import type { HistoryEntry } from '../ports/state-store.js';
import { parseCheckDetail, type CheckDetail } from './check-detail.js';
import type { Rollout } from '../rollout/types.js';
import type { CriterionOutcome, ErrorCount } from './model.js';

/*
 * What a stage's (or a post-launch check-in's) checks showed: each
 * criterion's outcome, the samples metric's last reading and the top error
 * messages. Criteria come from the rollout file when there is one, else from
 * what the checks recorded.
 */

const TOP_ERRORS = 5;

export interface CheckOf {
  readonly at: number;
  readonly detail: CheckDetail;
}

export interface CriterionRef {
  readonly text: string;
  readonly kind: 'advance' | 'rollback';
  readonly percent: boolean;
}

export function checksOf(entries: readonly HistoryEntry[]): CheckOf[] {
  return entries.flatMap((e) =>
    e.type === 'check' ? [{ at: e.at, detail: parseCheckDetail(e.detail) }] : [],
  );
}

/** Criteria from the rollout file, else every criterion the checks recorded, in first-seen order. */
export function criteriaRefs(
  rollout: Pick<Rollout, 'criteria'> | undefined,
  checks: readonly CheckOf[],
): CriterionRef[] {
  if (rollout) {
    return [
      ...rollout.criteria.advance.map((c) => ({
        text: c.text,
        kind: 'advance' as const,
        percent: c.percent,
      })),
      ...rollout.criteria.rollback.map((c) => ({
        text: c.text,
        kind: 'rollback' as const,
        percent: c.percent,
      })),
    ];
  }
  const refs = new Map<string, CriterionRef>();
  for (const check of checks) {
    for (const r of check.detail.results) {
      const key = `${r.kind}:${r.criterion.text}`;
      if (!refs.has(key))
        refs.set(key, { text: r.criterion.text, kind: r.kind, percent: r.criterion.percent });
    }
  }
  return [...refs.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'advance' ? -1 : 1));
}

/** Advance criteria by the last check with results; rollback guards unmet when any check breached them. */
export function outcomes(refs: readonly CriterionRef[], checks: readonly CheckOf[]): CriterionOutcome[] {
  const withResults = checks.filter((c) => c.detail.results.length > 0);
  const last = withResults.at(-1);
  return refs.map((ref) => {
    const find = (check: CheckOf | undefined) =>
      check?.detail.results.find((r) => r.kind === ref.kind && r.criterion.text === ref.text);
    if (ref.kind === 'advance') {
      const r = find(last);
      return {
        ...ref,
        met: r?.verdict === 'pass',
        verdict: r?.verdict ?? null,
        value: r?.value ?? null,
        interval: r?.interval ?? null,
      };
    }
    // a guard is met when no check of the stage breached it; show the latest breach, the one the
    // rollback reason quotes
    const breach = withResults
      .map(find)
      .filter((r) => r?.verdict === 'breach')
      .at(-1);
    const shown = breach ?? find(last);
    return {
      ...ref,
      met: breach === undefined,
      verdict: shown?.verdict ?? null,
      value: shown?.value ?? null,
      interval: shown?.interval ?? null,
    };
  });
}

/** The samples metric's latest reading among the checks. */
export function lastSamples(metric: string | null, checks: readonly CheckOf[]): number | null {
  if (metric === null) return null;
  for (let i = checks.length - 1; i >= 0; i--) {
    const m = checks[i]?.detail.measurements[metric];
    if (m && (m.kind === 'value' || m.kind === 'ratio')) return m.value;
  }
  return null;
}

/** The stage's `stage-errors` entry, else (older history) the errors the stage's last check carried. */
export function lastErrors(
  checks: readonly CheckOf[],
  entries: readonly HistoryEntry[] = [],
): ErrorCount[] | null {
  const recorded = entries.findLast((e) => e.type === 'stage-errors');
  const errors =
    recorded?.type === 'stage-errors'
      ? recorded.errors
      : checks.filter((c) => c.detail.errors !== null).at(-1)?.detail.errors;
  if (!errors) return null;
  return [...errors]
    .sort((a, b) => b.count - a.count || a.message.localeCompare(b.message))
    .slice(0, TOP_ERRORS);
}
