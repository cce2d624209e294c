import { StagegateError } from '../src/errors.js';

/*
 * The typed error a call fails with, for tests that assert its code, message
 * and details: anything else thrown (or nothing) fails the test instead.
 */

/** The StagegateError `fn` throws. */
export function thrown(fn: () => unknown): StagegateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StagegateError) return err;
    throw err;
  }
  throw new Error('expected a StagegateError, nothing was thrown');
}

/** The StagegateError `p` rejects with. */
export async function failure(p: Promise<unknown>): Promise<StagegateError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof StagegateError)) throw new Error(`expected a StagegateError, got ${String(err)}`);
  return err;
}
