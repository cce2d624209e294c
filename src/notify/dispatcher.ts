import pRetry from 'p-retry';
import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Notifier, RolloutEvent } from '../ports/notifier.js';

/*
 * Fire-and-forget delivery of rollout events (issue 7): a notifier failure
 * never blocks or delays a decision. `notify` returns at once; each notifier
 * gets its own delivery, retried with exponential backoff (p-retry) and logged
 * per failed attempt. `drain` lets a shutting-down controller wait a bounded
 * time for deliveries still in flight, then cancels them.
 */

export interface RetryPolicy {
  /** attempts after the first */
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly factor: number;
  /** jitter: multiply each pause by a random factor in [1, 2) */
  readonly randomize: boolean;
}

/** about half a minute of trying: 1 s, 2 s, 4 s, 8 s, 16 s (plus jitter) */
export const DEFAULT_RETRY: RetryPolicy = {
  retries: 5,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 30_000,
  factor: 2,
  randomize: true,
};

export interface NotificationDispatcherOptions {
  readonly notifiers: ReadonlyMap<string, Notifier>;
  readonly logger: Logger;
  /** overrides of DEFAULT_RETRY; tests pass tiny pauses */
  readonly retry?: Partial<RetryPolicy>;
}

export interface NotificationDispatcher {
  /** start delivering `event` to each named notifier; returns immediately, never throws */
  notify(names: readonly string[], event: RolloutEvent): void;
  /** wait up to `timeoutMs` for deliveries in flight; true when all finished, false when some were cancelled */
  drain(timeoutMs: number): Promise<boolean>;
  /** deliveries not finished yet */
  readonly inFlight: number;
}

export function createNotificationDispatcher(opts: NotificationDispatcherOptions): NotificationDispatcher {
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const logger = opts.logger;
  const pending = new Set<Promise<void>>();
  let shutdown = new AbortController();

  async function deliver(notifier: Notifier, event: RolloutEvent, signal: AbortSignal): Promise<void> {
    // not one line of a notifier runs before the caller's synchronous code is done
    await Promise.resolve();
    const fields = { notifier: notifier.name, eventType: event.type, rollout: event.rollout };
    let attempt = 0;
    try {
      await pRetry(
        async (n) => {
          attempt = n;
          await notifier.send(event, signal);
        },
        {
          retries: retry.retries,
          factor: retry.factor,
          minTimeout: retry.minTimeoutMs,
          maxTimeout: retry.maxTimeoutMs,
          randomize: retry.randomize,
          signal,
          shouldRetry: ({ error }) => isRetryable(error),
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            logger.warn(
              { ...fields, attempt: attemptNumber, retriesLeft, error: describe(error) },
              'notification attempt failed',
            );
          },
        },
      );
      logger.info({ ...fields, attempt }, 'notification sent');
    } catch (err) {
      logger.error({ ...fields, attempt, error: describe(err) }, 'notification failed');
    }
  }

  return {
    notify(names, event) {
      for (const name of new Set(names)) {
        const notifier = opts.notifiers.get(name);
        if (notifier === undefined) {
          logger.error(
            { notifier: name, eventType: event.type, rollout: event.rollout },
            'notifier not configured',
          );
          continue;
        }
        const delivery = deliver(notifier, event, shutdown.signal);
        pending.add(delivery);
        void delivery.finally(() => pending.delete(delivery));
      }
    },

    async drain(timeoutMs) {
      if (pending.size === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.allSettled([...pending]).then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!finished) {
        logger.warn({ pending: pending.size, timeoutMs }, 'notifications cancelled at shutdown');
        shutdown.abort(new StagegateError('E_PROVIDER_UNREACHABLE', 'notification cancelled at shutdown'));
        shutdown = new AbortController();
      }
      return finished;
    },

    get inFlight() {
      return pending.size;
    },
  };
}

/** a notifier says a failure is permanent with `details.retryable === false` (see http-post.ts) */
function isRetryable(error: unknown): boolean {
  return !(error instanceof StagegateError && error.details.retryable === false);
}

/** what a log line carries of an error: code and message, never the object (a cause could hold a URL) */
function describe(error: unknown): { code: string; message: string } {
  if (error instanceof StagegateError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: error.name, message: error.message };
  return { code: 'unknown', message: String(error) };
}
