/*
 * Datadog's `default_zero(<query>)`: the wrapped query, with empty intervals
 * (and a series with no points at all) read as 0 rather than no data. The
 * sandbox Datadog server and the replay provider recognise it the same way,
 * so `simulate` and the demo answer what Datadog would.
 */

const WRAPPED = /^\s*default_zero\s*\(([\s\S]*)\)\s*$/;

/** The query inside `default_zero(...)`, or undefined when the query is not wrapped in it. */
export function defaultZeroInner(query: string): string | undefined {
  const m = WRAPPED.exec(query);
  return m?.[1]?.trim();
}
