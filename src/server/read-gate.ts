/*
 * At most `limit` API reads of the state store at a time; the rest wait in
 * order. The controller's checks share the disk and the event loop with the
 * API: sixteen clients each reading a long history must not push a breach's
 * toggle write back by seconds. Checks do not go through this gate, so they
 * are always ahead of the queue.
 */
export interface ReadGate {
  run<T>(read: () => Promise<T>): Promise<T>;
  /** reads running now, and waiting */
  load(): { readonly running: number; readonly waiting: number };
}

export function createReadGate(limit: number): ReadGate {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    running -= 1;
    const next = waiting.shift();
    if (next) {
      running += 1;
      next();
    }
  };
  return {
    async run(read) {
      if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else running += 1;
      try {
        return await read();
      } finally {
        release();
      }
    },
    load: () => ({ running, waiting: waiting.length }),
  };
}
