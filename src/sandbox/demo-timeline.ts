import type { HistoryEntry } from '../ports/state-store.js';

/* The demo's printed timeline: seconds since the start, one line per thing that happened. */

/** `+  1.5s`: the time since `start`, aligned. */
export function rel(at: number, start: number): string {
  return `+${((at - start) / 1000).toFixed(1).padStart(5)}s`;
}

/** A readable line per transition, toggle write and operator command, from the history. */
export function timelineLines(name: string, history: readonly HistoryEntry[], start: number): string[] {
  const out: string[] = [];
  // a check's entries are appended after the write it decided: in time order, the decision comes first
  const ordered = history.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i);
  for (const { e } of ordered) {
    switch (e.type) {
      case 'transition': {
        const why = e.reason ? ` — ${e.reason}` : '';
        out.push(
          `${rel(e.at, start)}  ${name}  ${e.from} → ${e.to} at ${e.stage ?? '-'} (${e.percent}%)${why}`,
        );
        break;
      }
      case 'toggle-result':
        out.push(
          `${rel(e.at, start)}  ${name}  toggle ${e.ok ? `set to ${e.percent}%` : `write FAILED: ${e.error ?? 'unknown'}`}`,
        );
        break;
      case 'command':
        out.push(`${rel(e.at, start)}  ${name}  ${e.command} by ${e.by}${e.accepted ? '' : ' (refused)'}`);
        break;
      default:
        break;
    }
  }
  return out;
}
