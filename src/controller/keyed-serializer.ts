/*
 * Work on one rollout never interleaves: a scheduled check, an operator
 * command picked up by the poll and a rollback retry for the same rollout run
 * one after the other, while different rollouts run concurrently. A chain of
 * promises per key is all it takes; the entry is dropped when its chain
 * drains so the map does not grow with removed rollouts.
 */
export interface KeyedSerializer {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Resolves when everything queued so far, for every key, has settled. */
  idle(): Promise<void>;
  busy(key: string): boolean;
}

export function createKeyedSerializer(): KeyedSerializer {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(fn, fn);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    async idle() {
      while (tails.size > 0) await Promise.all([...tails.values()]);
    },
    busy(key) {
      return tails.has(key);
    },
  };
}
