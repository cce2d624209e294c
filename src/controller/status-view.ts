import { basename } from 'node:path';
import type { RolloutRecord, RolloutState, StoreProblem } from '../ports/state-store.js';
import { formatProblem, type Problem } from '../rollout/errors.js';
import type { Rollout } from '../rollout/types.js';
import { duplicatesOf } from './duplicates.js';

/*
 * `stagegate status`: the store's records joined with the rollout files, so a
 * rollout that was never checked shows up as pending and a record whose file
 * was removed still shows (with `file: null`) — on-call needs to see both.
 */
export interface StatusRow {
  readonly name: string;
  /** `unknown`: the record cannot be read (see `problem`) */
  readonly state: RolloutState | 'unknown';
  readonly stage: string | null;
  readonly percent: number;
  readonly reason: string | null;
  /** ISO 8601, or null when never checked */
  readonly lastCheck: string | null;
  readonly feature: string | null;
  /** the rollout file, or null when it is no longer in the rollouts dir (or invalid) */
  readonly file: string | null;
  /** the file is there but invalid (`path:line:col: message`): the controller runs its last valid version */
  readonly fileProblem: string | null;
  /** a toggle write persisted but not yet confirmed (a running controller applies it within a second) */
  readonly pendingIntent: boolean;
  readonly version: number;
  /** other files claiming this rollout's name: ignored, `kept` is the file that runs (issue 11 item 4) */
  readonly duplicates: readonly { readonly ignored: string; readonly kept: string }[];
  /** only on a rollout whose record cannot be read: that rollout's problem, the others are unaffected */
  readonly problem?: { readonly code: string; readonly path: string | null };
}

/** The first problem of the rollout's file: the one the record's last valid spec came from, or `<name>.yaml`. */
function problemOf(rec: RolloutRecord, problems: readonly Problem[]): Problem | undefined {
  const names = new Set([`${rec.name}.yaml`, `${rec.name}.yml`]);
  return problems.find((p) => p.path === rec.spec?.source || names.has(basename(p.path)));
}

export function statusRows(
  records: readonly RolloutRecord[],
  rollouts: readonly Rollout[],
  problems: readonly StoreProblem[] = [],
  /** problems of the rollout files (an invalid file: the controller runs the record's last valid spec) */
  fileProblems: readonly Problem[] = [],
): StatusRow[] {
  const specs = new Map(rollouts.map((r) => [r.name, r]));
  const rows = new Map<string, StatusRow>();
  for (const p of problems) {
    const spec = specs.get(p.name);
    rows.set(p.name, {
      name: p.name,
      state: 'unknown',
      stage: null,
      percent: 0,
      reason: p.message,
      lastCheck: null,
      feature: spec?.toggle.feature ?? null,
      file: spec?.source ?? null,
      fileProblem: null,
      pendingIntent: false,
      version: 0,
      duplicates: [],
      problem: { code: p.code, path: p.path },
    });
  }
  for (const rec of records) {
    const spec = specs.get(rec.name);
    const problem = spec ? undefined : problemOf(rec, fileProblems);
    const s = rec.summary;
    rows.set(rec.name, {
      name: rec.name,
      state: s.state,
      stage: s.stage,
      percent: s.percent,
      reason: s.reason,
      lastCheck: s.lastCheck === null ? null : new Date(s.lastCheck).toISOString(),
      feature: (spec ?? rec.spec)?.toggle.feature ?? null,
      file: spec?.source ?? null,
      fileProblem: problem ? formatProblem(problem) : null,
      pendingIntent: rec.intent !== null,
      version: rec.version,
      duplicates: [],
    });
  }
  for (const spec of rollouts) {
    if (rows.has(spec.name)) continue;
    rows.set(spec.name, {
      name: spec.name,
      state: 'pending',
      stage: spec.stages[0]?.name ?? null,
      percent: 0,
      reason: 'not checked yet',
      lastCheck: null,
      feature: spec.toggle.feature,
      file: spec.source ?? null,
      fileProblem: null,
      pendingIntent: false,
      version: 0,
      duplicates: [],
    });
  }
  for (const d of duplicatesOf(fileProblems)) {
    const row = rows.get(d.name);
    if (row)
      rows.set(d.name, { ...row, duplicates: [...row.duplicates, { ignored: d.ignored, kept: d.kept }] });
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function formatPercent(p: number): string {
  return `${Number(p.toFixed(3))}%`;
}

function formatCheck(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const ageS = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const age =
    ageS < 120 ? `${ageS}s` : ageS < 7200 ? `${Math.round(ageS / 60)}m` : `${Math.round(ageS / 3600)}h`;
  return `${iso.replace(/\.\d{3}Z$/, 'Z')} (${age} ago)`;
}

function fileNote(r: StatusRow): string {
  const dups = r.duplicates.map((d) => ` [duplicate name: ${d.ignored} ignored, ${d.kept} kept]`).join('');
  return fileState(r) + dups;
}

function fileState(r: StatusRow): string {
  if (r.file !== null) return '';
  if (r.fileProblem !== null)
    return ` [rollout file invalid (${r.fileProblem}), running the last valid version]`;
  return ' [rollout file removed: not checked]';
}

/** A fixed-width table for people; `--json` prints the rows instead. */
export function formatStatusTable(rows: readonly StatusRow[], now: number): string {
  if (rows.length === 0) return 'no rollouts\n';
  const header = ['NAME', 'STATE', 'STAGE', 'PERCENT', 'LAST CHECK', 'REASON'];
  const body = rows.map((r) => [
    r.name,
    r.state + (r.pendingIntent ? '*' : ''),
    r.stage ?? '-',
    r.problem ? '?' : formatPercent(r.percent),
    formatCheck(r.lastCheck, now),
    (r.reason ?? '') + fileNote(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...body.map(line)];
  if (rows.some((r) => r.pendingIntent))
    out.push('', '* a toggle write is pending: a running controller applies it within a second');
  return `${out.join('\n')}\n`;
}
