import type { HistoryEntry } from '../ports/state-store.js';
import { iso, isoOrNull } from './iso-time.js';
import type { RollbackReport } from './model.js';

/**
 * Each rollback: from its rolling_back transition to the next one. The toggle
 * writes are the ones made from that moment on; history written before
 * entries were appended in causal order put the deciding check (and so the
 * transition) after the write, at the same time, so writes at the rollback's
 * own time count too.
 */
export function rollbacksOf(history: readonly HistoryEntry[]): RollbackReport[] {
  const out: RollbackReport[] = [];
  const starts = history.flatMap((e) => (e.type === 'transition' && e.to === 'rolling_back' ? [e] : []));
  starts.forEach((e, i) => {
    const until = starts[i + 1]?.at ?? Number.POSITIVE_INFINITY;
    let toggleOffAt: number | null = null;
    let failedAttempts = 0;
    let rolledBackAt: number | null = null;
    const inWindow = (at: number): boolean => at >= e.at && (at < until || (until === e.at && at === e.at));
    for (const next of history) {
      if (!inWindow(next.at)) continue;
      if (next.type === 'toggle-result' && toggleOffAt === null) {
        if (next.ok && next.percent === 0) toggleOffAt = next.at;
        else if (!next.ok) failedAttempts++;
      }
      if (next.type === 'transition' && next.to === 'rolled_back' && rolledBackAt === null)
        rolledBackAt = next.at;
    }
    out.push({
      at: iso(e.at),
      stage: e.stage,
      percent: e.percent,
      reason: e.reason,
      toggleOffAt: isoOrNull(toggleOffAt),
      failedAttempts,
      rolledBackAt: isoOrNull(rolledBackAt),
    });
  });
  return out;
}
