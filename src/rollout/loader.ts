import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SpecError, sortProblems, type Problem } from './errors.js';
import { crossFieldIssues } from './rules.js';
import { configReferenceIssues, warningIssues, type ConfigNames } from './rules-config.js';
import { rolloutFileSchema } from './schema.js';
import type { Rollout } from './types.js';
import { fsMessage, readSource } from './read-source.js';
import { parseYamlSource, problemAt, type YamlSource } from './yaml-source.js';
import { fromZodIssues } from './zod-issues.js';
import { toRollout } from './normalize.js';

export { normalizeRollout } from './normalize.js';

/*
 * Rollout files in, Rollouts or `path:line:col: message` problems out.
 * Everything wrong with a file is reported at once: YAML errors first (the
 * data cannot be trusted after them), then schema and cross-field problems
 * together.
 */

export interface CheckOptions {
  /** when given, provider and notifier names are checked against it */
  readonly config?: ConfigNames | undefined;
}

export interface FileCheck {
  readonly path: string;
  readonly rollout: Rollout | undefined;
  readonly problems: Problem[];
  /** things worth knowing that do not make the file invalid (validate prints them and exits 0) */
  readonly warnings: Problem[];
  /** where the rollout's `name` value sits, for problems found across files */
  readonly nameAt: { line: number; col: number } | undefined;
}

/** Checks one rollout's text; never throws for anything wrong with the text. */
export function checkRolloutText(text: string, path: string, opts: CheckOptions = {}): FileCheck {
  const parsed = parseYamlSource(text, path, 'a rollout mapping (name, toggle, check, stages, ...)');
  if (!parsed.ok)
    return { path, rollout: undefined, problems: parsed.problems, warnings: [], nameAt: undefined };
  const { source } = parsed;
  const result = rolloutFileSchema.safeParse(source.data);
  const issues = [
    ...(result.success
      ? []
      : fromZodIssues(result.error.issues, source.data, rolloutFileSchema, { echoValues: true })),
    ...crossFieldIssues(source.data),
    ...(opts.config ? configReferenceIssues(source.data, opts.config) : []),
  ];
  const problems = sortProblems(issues.map((issue) => problemAt(source, issue)));
  const nameAt = locateName(source);
  const warnings = sortProblems(warningIssues(source.data).map((issue) => problemAt(source, issue)));
  if (!result.success || problems.length > 0) return { path, rollout: undefined, problems, warnings, nameAt };
  return { path, rollout: toRollout(result.data, path), problems: [], warnings, nameAt };
}

function locateName(source: YamlSource): { line: number; col: number } {
  const { line, col } = problemAt(source, { path: ['name'], at: 'value', message: '' });
  return { line, col };
}

/** Parses a rollout file's text; throws SpecError listing every problem. */
export function parseRolloutText(text: string, path: string, opts: CheckOptions = {}): Rollout {
  const { rollout, problems } = checkRolloutText(text, path, opts);
  if (rollout === undefined) throw new SpecError(problems);
  return rollout;
}

/** Reads and checks one file; an unreadable file is a problem, not an exception. */
export async function checkRolloutFile(path: string, opts: CheckOptions = {}): Promise<FileCheck> {
  const read = await readSource(path);
  if (typeof read !== 'string')
    return { path, rollout: undefined, problems: [read], warnings: [], nameAt: undefined };
  return checkRolloutText(read, path, opts);
}

export async function loadRolloutFile(path: string, opts: CheckOptions = {}): Promise<Rollout> {
  const { rollout, problems } = await checkRolloutFile(path, opts);
  if (rollout === undefined) throw new SpecError(problems);
  return rollout;
}

export interface RolloutSet {
  readonly rollouts: Rollout[];
  readonly problems: Problem[];
  readonly warnings: Problem[];
  /** how many files were checked */
  readonly files: number;
}

/**
 * Checks files and directories (every *.yaml / *.yml directly inside, in name
 * order). A broken file contributes problems and does not stop the others;
 * two files with the same rollout name are a problem at the second one.
 */
export async function checkRolloutPaths(
  paths: readonly string[],
  opts: CheckOptions = {},
): Promise<RolloutSet> {
  const { checks, problems } = await checkFiles(paths, opts);
  const { rollouts, problems: duplicates } = firstOfEachName(checks);
  return {
    rollouts,
    problems: sortProblems([...problems, ...checks.flatMap((c) => c.problems), ...duplicates]),
    warnings: sortProblems(checks.flatMap((c) => c.warnings)),
    files: checks.length,
  };
}

/** Each file's check, plus problems with the paths themselves (a missing dir); for the controller's loader. */
export async function checkFiles(
  paths: readonly string[],
  opts: CheckOptions = {},
): Promise<{ checks: FileCheck[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const p of paths) {
    const expanded = await expand(p);
    if ('problem' in expanded) problems.push(expanded.problem);
    else files.push(...expanded.files);
  }
  return { checks: await Promise.all(files.map((f) => checkRolloutFile(f, opts))), problems };
}

/**
 * One rollout per name: the file in `keep` (the one already running, by name)
 * when it still claims the name, else the first in path order; every other
 * file claiming it is a duplicate problem naming both paths.
 */
export function firstOfEachName(
  checks: readonly FileCheck[],
  keep: ReadonlyMap<string, string> = new Map(),
): { rollouts: Rollout[]; problems: Problem[] } {
  const winner = new Map<string, string>();
  for (const check of checks) {
    const name = check.rollout?.name;
    if (name === undefined) continue;
    // the running file wins wherever it sorts; otherwise the first claim stands
    if (keep.get(name) === check.path || !winner.has(name)) winner.set(name, check.path);
  }
  const rollouts: Rollout[] = [];
  const problems: Problem[] = [];
  for (const check of checks) {
    const r = check.rollout;
    if (r === undefined) continue;
    const first = winner.get(r.name) as string;
    if (first === check.path) {
      rollouts.push(r);
      continue;
    }
    problems.push({
      path: check.path,
      ...(check.nameAt ?? { line: 1, col: 1 }),
      message: `name: duplicate rollout name "${r.name}" (also in ${first})`,
      duplicateOf: { name: r.name, kept: first },
    });
  }
  return { rollouts, problems };
}

/** Every rollout in a directory; see checkRolloutPaths. */
export async function loadRolloutsDir(
  dir: string,
  opts: CheckOptions = {},
): Promise<{ rollouts: Rollout[]; problems: Problem[] }> {
  const { rollouts, problems } = await checkRolloutPaths([dir], opts);
  return { rollouts, problems };
}

const ROLLOUT_EXTENSIONS = new Set(['.yaml', '.yml']);

async function expand(path: string): Promise<{ files: string[] } | { problem: Problem }> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return { files: [path] };
    const entries = await readdir(path, { withFileTypes: true });
    // Symlinks count (a Kubernetes ConfigMap is `<file> -> ..data/<file>`), and so do FIFOs and devices,
    // to be reported as "not a regular file" rather than silently left out. Dotfiles do not (editor
    // locks like `.#a.yaml`, the ConfigMap's own `..data` entries).
    const files = entries
      .filter((e) => !e.isDirectory() && !e.name.startsWith('.') && ROLLOUT_EXTENSIONS.has(extname(e.name)))
      .map((e) => join(path, e.name))
      .sort();
    return { files };
  } catch (err) {
    return { problem: { path, line: 0, col: 0, message: fsMessage(err) } };
  }
}
