import type { Logger } from '../log.js';
import { readConfirmed } from '../ports/toggle-exposure.js';
import type { ToggleProvider, ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import { describeError } from './step.js';

/*
 * The reads of one check that must not decide on their own (issue 11):
 * the toggle read, confirmed by a second read when it looks drifted, and a
 * wait that gives way at once when an operator command cancels the check.
 */

/** `work`'s value, or null as soon as `signal` aborts (the work goes on, unobserved) */
export function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * One anomalous read (a 200 with empty gates) is not drift: a read that looks drifted against what the
 * controller last set (`percent` on the rollout's gate) is read again, and the second read is the truth.
 */
export async function readToggleConfirmed(
  toggles: ToggleProvider,
  rollout: Rollout,
  percent: number,
  log: Logger,
  signal: AbortSignal,
): Promise<ToggleState | null> {
  const { feature, gate } = rollout.toggle;
  try {
    const read = await readConfirmed(toggles, feature, { gate, percent }, signal);
    if (read.anomalous) log.warn({ feature }, 'toggle read looked drifted, a second read did not: not drift');
    return read.state;
  } catch (err) {
    log.warn({ feature, error: describeError(err) }, 'toggle read failed, drift not checked');
    return null;
  }
}
