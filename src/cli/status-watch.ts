import type { StatusRow } from '../controller/status-view.js';

/*
 * `status --watch` output (pure). On a terminal the table is redrawn in place
 * (cursor home, clear to the end); on a pipe or file each change of a
 * rollout's state, stage, percent or reason is one line, so `| grep` and log
 * files read like a timeline. Check times are not a change: they would print
 * a line per check.
 */

export const REDRAW = '\x1b[H\x1b[2J';

export type Seen = ReadonlyMap<string, string>;

const key = (r: StatusRow): string => JSON.stringify([r.state, r.stage, r.percent, r.reason]);

export function changeLine(row: StatusRow, at: string): string {
  const why = row.reason ? ` — ${row.reason.replace(/\s+/g, ' ')}` : '';
  return `${at} ${row.name} ${row.state} ${row.stage ?? '-'} ${row.percent}%${why}`;
}

/** The lines for rows that changed since `seen` (new rollouts included, removed ones said so), and the new `seen`. */
export function changes(
  seen: Seen,
  rows: readonly StatusRow[],
  now: number,
): { lines: string[]; changed: StatusRow[]; seen: Map<string, string> } {
  const at = new Date(now).toISOString();
  const next = new Map(rows.map((r) => [r.name, key(r)]));
  const changed = rows.filter((r) => seen.get(r.name) !== next.get(r.name));
  const lines = changed.map((r) => changeLine(r, at));
  for (const name of seen.keys()) if (!next.has(name)) lines.push(`${at} ${name} removed`);
  return { lines, changed, seen: next };
}

/** One redraw of the terminal: the table and when it was read. */
export function screen(table: string, now: number, intervalMs: number): string {
  return `${REDRAW}stagegate status --watch  ${new Date(now).toISOString()}  (every ${intervalMs / 1000}s, Ctrl-C stops)\n\n${table}`;
}
