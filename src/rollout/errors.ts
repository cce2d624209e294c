import { StagegateError } from '../errors.js';

/**
 * One thing wrong with an input file, at the place a reader has to look.
 * `line`/`col` are 1-based; both are 0 when there is no source text to point
 * into (a rollout built from an object rather than read from a file).
 */
export interface Problem {
  readonly path: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
  /** set on a file whose `name:` another file already claims: the rollout name and the file kept for it */
  readonly duplicateOf?: { readonly name: string; readonly kept: string };
}

/** `path:line:col: message`, the format compilers use, so editors and CI logs can jump to it. */
export function formatProblem(p: Problem): string {
  return p.line > 0 ? `${p.path}:${p.line}:${p.col}: ${p.message}` : `${p.path}: ${p.message}`;
}

/** Problems in reading order: by file, then line, then column. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.path.localeCompare(b.path) || a.line - b.line || a.col - b.col || a.message.localeCompare(b.message),
  );
}

/** A rollout file that cannot be used; `message` is every problem, one per line. */
export class SpecError extends StagegateError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const sorted = sortProblems(problems);
    super('E_SPEC_INVALID', sorted.map(formatProblem).join('\n'), { problems: sorted });
    this.name = 'SpecError';
    this.problems = sorted;
  }
}

/** config/stagegate.yaml cannot be used; same format as SpecError. */
export class ConfigError extends StagegateError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const sorted = sortProblems(problems);
    super('E_CONFIG_INVALID', sorted.map(formatProblem).join('\n'), { problems: sorted });
    this.name = 'ConfigError';
    this.problems = sorted;
  }
}

/**
 * A criterion that does not follow `<metric> <op> <number>[%] [for <n> checks]`.
 * `column` is 1-based within the criterion text, so the loader can add it to
 * the position of the YAML scalar and point at the wrong character.
 */
export class CriterionSyntaxError extends StagegateError {
  readonly column: number;
  /** the message without the column, for callers that place it themselves */
  readonly reason: string;

  constructor(text: string, column: number, reason: string) {
    super('E_SPEC_INVALID', `criterion "${text}", column ${column}: ${reason}`, { text, column });
    this.name = 'CriterionSyntaxError';
    this.column = column;
    this.reason = reason;
  }
}
