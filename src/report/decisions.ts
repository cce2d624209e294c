import type { HistoryEntry } from '../ports/state-store.js';
import { parseCheckDetail } from './check-detail.js';
import { iso } from './iso-time.js';
import type { DecisionItem } from './model.js';

/** What changed something, in order: operator commands, checks that did not hold, state transitions. */
export function decisionsOf(entries: readonly HistoryEntry[]): DecisionItem[] {
  return entries.flatMap((e): DecisionItem[] => {
    switch (e.type) {
      case 'command':
        return [
          {
            at: iso(e.at),
            kind: 'command',
            action: e.accepted ? e.command : `${e.command} (refused)`,
            by: e.by,
            detail: (e.accepted ? e.reason : e.message) ?? null,
          },
        ];
      case 'check': {
        const d = parseCheckDetail(e.detail).decision;
        // holds repeat every check; the report lists what changed something
        if (!d || d.action === 'hold') return [];
        return [
          { at: iso(e.at), kind: 'check', action: d.action, by: null, detail: d.reasons.join('; ') || null },
        ];
      }
      case 'transition':
        if (e.from === e.to) return [];
        return [
          { at: iso(e.at), kind: 'transition', action: `${e.from} → ${e.to}`, by: null, detail: e.reason },
        ];
      default:
        return [];
    }
  });
}
