/*
 * Name-keyed maps without prototypes. Metric names and criterion texts come
 * from rollout files: a metric called `__proto__`, `constructor` or
 * `toString` must be a key like any other, never Object.prototype's.
 */

/** An empty record with no prototype. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The record's own value for `key` (never an inherited one). */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
