/*
 * Who (`by`) and why (`reason`) of an operator command, checked the same way
 * from the CLI (`--by`, `--reason`) and the API (JSON body). Both end up in
 * history, `status` and the release report; a newline or an escape sequence
 * in `by` forged report lines and terminal output. So `by` is one short line
 * of printable text; a `reason` may span lines (the report renders it on one,
 * escaped) but carries no other control characters. Pure, no I/O.
 */

export const MAX_BY_LENGTH = 100;
export const MAX_REASON_LENGTH = 1000;

export type OperatorInput = { readonly by: string; readonly reason: string | null };

export type OperatorInputCheck =
  | { readonly ok: true; readonly value: OperatorInput }
  | { readonly ok: false; readonly problems: readonly string[] };

// C0/C1 controls and DEL, plus the invisible format characters that reorder or hide text (U+202E, U+200B, ...)
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
// a reason keeps tabs and line breaks; everything else of CONTROL is refused
const REASON_CONTROL = /[^\P{Cc}\t\n\r]|[\p{Cf}\u2028\u2029]/u;

function codePoint(text: string, re: RegExp): string {
  const match = re.exec(text);
  const cp = match?.[0].codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} at character ${(match?.index ?? 0) + 1}`;
}

/** Problems with `by` ("by: ..."); empty when it is fine. */
export function byProblems(by: string): string[] {
  const text = by.trim();
  if (text === '') return ['by: must not be empty'];
  const problems: string[] = [];
  if ([...text].length > MAX_BY_LENGTH) problems.push(`by: at most ${MAX_BY_LENGTH} characters`);
  if (CONTROL.test(text))
    problems.push(
      `by: must be one line of printable text, found a control character (${codePoint(text, CONTROL)})`,
    );
  return problems;
}

/** Problems with `reason` ("reason: ..."); empty when it is fine. */
export function reasonProblems(reason: string): string[] {
  const text = reason.trim();
  if (text === '') return ['reason: must not be empty when given'];
  const problems: string[] = [];
  if ([...text].length > MAX_REASON_LENGTH) problems.push(`reason: at most ${MAX_REASON_LENGTH} characters`);
  if (REASON_CONTROL.test(text))
    problems.push(`reason: must not contain control characters (${codePoint(text, REASON_CONTROL)})`);
  return problems;
}

/**
 * `by` and `reason` as given (undefined: not given), trimmed and checked.
 * `defaultBy` (the OS user, or "api") is used when `by` is not given, and is
 * checked too: a user name is not trusted more than a flag.
 */
export function checkOperatorInput(
  input: { readonly by?: string | undefined; readonly reason?: string | null | undefined },
  defaultBy: string,
): OperatorInputCheck {
  const by = (input.by ?? defaultBy).trim();
  const reason = input.reason === undefined || input.reason === null ? null : input.reason.trim();
  const problems = [...byProblems(by), ...(reason === null ? [] : reasonProblems(reason))];
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { by, reason } };
}
