import { describe, expect, it } from 'vitest';
import { createReadGate } from '../../src/server/read-gate.js';

/** A read that finishes when the test says so. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('createReadGate', () => {
  it('runs at most `limit` reads at a time; the rest start in arrival order as others finish', async () => {
    const gate = createReadGate(2);
    const started: string[] = [];
    const reads = ['a', 'b', 'c', 'd'].map((name) => {
      const d = deferred<string>();
      const result = gate.run(() => {
        started.push(name);
        return d.promise;
      });
      return { name, d, result };
    });
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect(gate.load()).toEqual({ running: 2, waiting: 2 });

    reads[1]!.d.resolve('B');
    expect(await reads[1]!.result).toBe('B');
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    expect(gate.load()).toEqual({ running: 2, waiting: 1 });

    reads[0]!.d.resolve('A');
    reads[2]!.d.resolve('C');
    await Promise.all([reads[0]!.result, reads[2]!.result]);
    await tick();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    reads[3]!.d.resolve('D');
    expect(await reads[3]!.result).toBe('D');
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('a failing read frees its place and its error reaches the caller', async () => {
    const gate = createReadGate(1);
    const failing = deferred<string>();
    const first = gate.run(() => failing.promise);
    const second = gate.run(() => Promise.resolve('next'));
    await tick();
    expect(gate.load()).toEqual({ running: 1, waiting: 1 });
    failing.reject(new Error('disk'));
    await expect(first).rejects.toThrow('disk');
    expect(await second).toBe('next');
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });
});
