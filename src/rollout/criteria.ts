import { formatDuration, parseDuration } from './duration.js';
import { CriterionSyntaxError } from './errors.js';
import type { ComparisonOp, Criterion } from './types.js';

/*
 * The criteria language (DESIGN.md §2):
 * `<metric> <op> <number>[%] [for <n> checks | for <duration>]`.
 * Small enough for a hand-written scanner, which lets every error name the
 * exact character that is wrong; a parser generator would add a dependency and
 * worse messages for a one-line grammar.
 */

export const CRITERION_GRAMMAR = '<metric> <op> <number>[%] [for <n> checks | for <duration>]';

/** More consecutive checks than this is a typo (a year of 1-minute checks is ~525,000; 10,000 at 5m is 35 days). */
export const MAX_FOR_CHECKS = 10_000;
/** `for <duration>` beyond this is a typo: a condition that must hold for a month never acts. */
export const MAX_FOR_MS = 30 * 86_400_000;

/** Longest first, so `<=` is not read as `<` followed by `=`. */
const OPERATORS: readonly ComparisonOp[] = ['<=', '>=', '==', '!=', '<', '>'];
const OPERATOR_LIST = '<, <=, >, >=, ==, !=';

/** Things people write from other languages, and what they meant. */
const MISSPELLED_OPERATORS: Readonly<Record<string, ComparisonOp>> = {
  '=>': '>=',
  '=<': '<=',
  '<>': '!=',
  '=': '==',
  '===': '==',
  '!==': '!=',
};

const METRIC = /[a-z_][a-z0-9_]*/y;
const NUMBER = /-?\d+(?:\.\d+)?/y;
const INTEGER = /\d+/y;
const SPACES = /[ \t]*/y;
const FOR = /for(?![a-z0-9_])/y;
const CHECKS = /checks?(?![a-z0-9_])/y;
const DURATION_TOKEN = /\d+[dhms][0-9dhms]*/y;
const OPERATOR_CHARS = /[<>=!]+/y;

class Scanner {
  pos = 0;

  constructor(readonly text: string) {}

  /** Consumes `re` (a sticky regex) at the current position; undefined when it does not match. */
  take(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m || m[0].length === 0) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  skipSpaces(): number {
    return this.take(SPACES)?.length ?? 0;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** 1-based column of the next character. */
  get column(): number {
    return this.pos + 1;
  }

  /** The error for the character at the current position. */
  unexpected(expected: string): CriterionSyntaxError {
    if (this.atEnd()) return this.fail(`unexpected end of criterion: expected ${expected}`);
    const ch = this.text.charAt(this.pos);
    const shown = ch === ' ' || ch === '\t' ? 'a space' : `"${ch}"`;
    return this.fail(`unexpected ${shown}: expected ${expected}`);
  }

  fail(reason: string, column = this.column): CriterionSyntaxError {
    return new CriterionSyntaxError(this.text, column, reason);
  }
}

/**
 * Parses one criterion. Throws CriterionSyntaxError with the 1-based column
 * of the offending character. `5%` becomes threshold 0.05 with percent true;
 * forChecks is 1 without a `for` clause.
 */
export function parseCriterion(text: string): Criterion {
  const s = new Scanner(text);
  s.skipSpaces();
  if (s.atEnd()) throw s.fail(`empty criterion: expected ${CRITERION_GRAMMAR}`);

  const metric = s.take(METRIC);
  if (metric === undefined) throw s.unexpected('a metric name (lowercase letters, digits and _)');
  s.skipSpaces();

  const op = readOperator(s);
  s.skipSpaces();

  const numberColumn = s.column;
  const numberText = s.take(NUMBER);
  if (numberText === undefined) throw s.unexpected('a number, e.g. 5, 0.25 or 5%');
  const percent = s.take(/%/y) !== undefined;
  const value = Number(numberText);
  if (percent) checkPercent(s, op, value, numberColumn);
  if (s.text.charAt(s.pos) === '%') throw s.fail('unexpected "%": write a single % right after the number');

  const spaceBeforeFor = s.skipSpaces();
  let forChecks = 1;
  let forMs: number | undefined;
  if (!s.atEnd()) {
    if (s.text.charAt(s.pos) === '%')
      throw s.fail('unexpected "%": write the % right after the number, e.g. 5%');
    if (spaceBeforeFor === 0)
      throw s.unexpected(percent ? '" for <n> checks" or the end' : '%, " for <n> checks" or the end');
    if (s.take(FOR) === undefined)
      throw s.unexpected('"for <n> checks", "for <duration>" or the end of the criterion');
    if (s.skipSpaces() === 0) throw s.unexpected('a space after "for"');
    const countColumn = s.column;
    const duration = s.take(DURATION_TOKEN);
    if (duration !== undefined) {
      forMs = parseDuration(duration);
      if (forMs === undefined)
        throw s.fail(`"${duration}" is not a duration: write e.g. 90s, 10m, 1h30m`, countColumn);
      if (forMs <= 0) throw s.fail('"for" needs a duration above 0', countColumn);
      if (forMs > MAX_FOR_MS)
        throw s.fail(`"for ${duration}" is longer than ${formatDuration(MAX_FOR_MS)}: a typo?`, countColumn);
    } else {
      const count = s.take(INTEGER);
      if (count === undefined)
        throw s.unexpected('a whole number of checks or a duration, e.g. "for 2 checks" or "for 10m"');
      forChecks = Number(count);
      if (forChecks < 1) throw s.fail('"for" needs at least 1 check', countColumn);
      if (forChecks > MAX_FOR_CHECKS)
        throw s.fail(
          `"for" allows at most ${MAX_FOR_CHECKS} checks; use a duration for long waits`,
          countColumn,
        );
      if (s.skipSpaces() === 0) throw s.unexpected('a space, then "checks" (or a unit: "for 10m")');
      if (s.take(CHECKS) === undefined) {
        // `for 2 minutes`: a duration meant, written with a space and a word
        if (/[a-z]/.test(s.text.charAt(s.pos)) && s.text.charAt(s.pos) !== 'c')
          throw s.unexpected(`"checks", or a duration without a space, e.g. "for ${count}m"`);
        throw s.unexpected('"checks"');
      }
    }
    s.skipSpaces();
    if (!s.atEnd()) throw s.unexpected('the end of the criterion');
  }

  const threshold = percent ? value / 100 : value;
  const c: Criterion = { text: text.trim(), metric, op, threshold, percent, forChecks };
  return forMs === undefined ? c : { ...c, forMs };
}

function readOperator(s: Scanner): ComparisonOp {
  const column = s.column;
  const written = s.take(OPERATOR_CHARS);
  if (written === undefined) throw s.unexpected(`an operator (${OPERATOR_LIST})`);
  const op = OPERATORS.find((o) => o === written);
  if (op !== undefined) return op;
  const meant = MISSPELLED_OPERATORS[written];
  if (meant !== undefined) throw s.fail(`"${written}" is not an operator: did you mean "${meant}"?`, column);
  throw s.fail(`"${written}" is not an operator: expected one of ${OPERATOR_LIST}`, column);
}

/**
 * A percentage compares a ratio, which lies in [0, 1]: a threshold outside
 * 0%..100%, or a comparison that can never or always hold at the ends, is a
 * mistake rather than an intent.
 */
function checkPercent(s: Scanner, op: ComparisonOp, value: number, column: number): void {
  if (value < 0 || value > 100) throw s.fail('a percentage must be between 0% and 100%', column);
  const never = (value === 0 && op === '<') || (value === 100 && op === '>');
  const always = (value === 0 && op === '>=') || (value === 100 && op === '<=');
  if (never) throw s.fail(`"${op} ${value}%" can never hold: a ratio is between 0% and 100%`, column);
  if (always) throw s.fail(`"${op} ${value}%" always holds: a ratio is between 0% and 100%`, column);
}

/** The criterion as the parser would read it back, for reports: `error_rate > 5% for 2 checks`. */
export function formatCriterion(c: Omit<Criterion, 'text'>): string {
  const n = c.percent ? `${Number((c.threshold * 100).toPrecision(12))}%` : String(c.threshold);
  const tail =
    c.forMs !== undefined
      ? ` for ${formatDuration(c.forMs)}`
      : c.forChecks > 1
        ? ` for ${c.forChecks} checks`
        : '';
  return `${c.metric} ${c.op} ${n}${tail}`;
}
