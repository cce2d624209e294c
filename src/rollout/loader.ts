import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SpecError, sortProblems, type Problem } from './errors.js';
import { configReferenceIssues, crossFieldIssues, warningIssues, type ConfigNames } from './rules.js';
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
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const p of paths) {
    const expanded = await expand(p);
    if ('problem' in expanded) problems.push(expanded.problem);
    else files.push(...expanded.files);
  }
  const checks = await Promise.all(files.map((f) => checkRolloutFile(f, opts)));
  const rollouts: Rollout[] = [];
  const warnings: Problem[] = [];
  const byName = new Map<string, string>();
  for (const check of checks) {
    problems.push(...check.problems);
    warnings.push(...check.warnings);
    const r = check.rollout;
    if (r === undefined) continue;
    const first = byName.get(r.name);
    if (first !== undefined) {
      const at = check.nameAt ?? { line: 1, col: 1 };
      problems.push({
        path: check.path,
        ...at,
        message: `name: duplicate rollout name "${r.name}" (also in ${first})`,
      });
      continue;
    }
    byName.set(r.name, check.path);
    rollouts.push(r);
  }
  return {
    rollouts,
    problems: sortProblems(problems),
    warnings: sortProblems(warnings),
    files: files.length,
  };
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
    const files = entries
      .filter((e) => e.isFile() && ROLLOUT_EXTENSIONS.has(extname(e.name)))
      .map((e) => join(path, e.name))
      .sort();
    return { files };
  } catch (err) {
    return { problem: { path, line: 0, col: 0, message: fsMessage(err) } };
  }
}
