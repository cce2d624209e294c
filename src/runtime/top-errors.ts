import type { Logger } from '../log.js';
import { canQueryTopValues, type TimeWindow } from '../ports/metrics-provider.js';
import type { Rollout } from '../rollout/types.js';
import type { ProviderFor } from './measure.js';

/*
 * "Types of errors logged" for the release report: the rollout's
 * `report.errors` query (the top values of a facet among matching logs or RUM
 * events) over a window. Informational only: the answer never reaches the
 * engine, and a failure is a warning, never a failed check. The runner asks
 * when a stage ends (advance, complete), on a rollback and at post-launch
 * check-ins, not on every check, so it adds no Datadog request to a hold.
 */

export interface ErrorCount {
  readonly message: string;
  readonly count: number;
}

/** how long the query may take; it runs beside the toggle write, never before it */
export const TOP_ERRORS_TIMEOUT_MS = 30_000;

/**
 * The top error messages in `window`; `[]` when the query ran and found none;
 * null when the rollout has no errors query or it could not be answered.
 */
export async function queryTopErrors(
  rollout: Rollout,
  providerFor: ProviderFor,
  window: TimeWindow,
  log: Logger,
  timeoutMs: number = TOP_ERRORS_TIMEOUT_MS,
): Promise<ErrorCount[] | null> {
  const spec = rollout.report?.errors;
  if (spec === undefined || window.to <= window.from) return null;
  const fields = { source: spec.source, groupBy: spec.groupBy };
  try {
    const provider = providerFor(spec.provider);
    if (!canQueryTopValues(provider)) {
      log.warn({ ...fields, provider: provider.name }, 'errors query not supported by the metrics provider');
      return null;
    }
    const answer = await provider.topValues(
      { source: spec.source, search: spec.search, facet: spec.groupBy, limit: spec.top },
      window,
      AbortSignal.timeout(timeoutMs),
    );
    if (answer.kind === 'error') {
      log.warn({ ...fields, code: answer.code, error: answer.message }, 'errors query failed, not recorded');
      return null;
    }
    return answer.values.map((v) => ({ message: v.value, count: v.count }));
  } catch (err) {
    log.warn(
      { ...fields, error: err instanceof Error ? err.message : String(err) },
      'errors query failed, not recorded',
    );
    return null;
  }
}
