/*
 * `run --once` over 1,000 rollouts: checks are I/O bound, so they run
 * concurrently, but a bounded number at a time so the metrics provider's rate
 * limit and the process's sockets and file handles are not swamped.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
