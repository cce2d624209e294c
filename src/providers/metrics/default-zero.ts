/*
 * Datadog's `default_zero(<query>)`: the wrapped query, with empty intervals
 * (and a series with no points at all) read as 0 rather than no data. The
 * sandbox Datadog server and the replay provider recognise it the same way,
 * so `simulate` and the demo answer what Datadog would.
 */

const WRAPPED = /^\s*default_zero\s*\(([\s\S]*)\)\s*$/;

/** The query inside `default_zero(...)`, or undefined when the query is not wrapped in it. */
export function defaultZeroInner(query: string): string | undefined {
  const inner = WRAPPED.exec(query)?.[1];
  // `default_zero(a) + default_zero(b)` also starts and ends with the parentheses, but is not wrapped
  return inner !== undefined && balanced(inner) ? inner.trim() : undefined;
}

/** Every parenthesis closed, none closed before it opened. */
function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth += 1;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
