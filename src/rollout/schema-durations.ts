import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.js';

/* Durations in the rollout file: the syntax, and the bounds that catch typos (a `30d` check interval). */

/** A refinement failure as an issue the loader can place: `column` is within the string scalar. */
export function refineWith(check: (value: string) => string | undefined) {
  return (value: string, ctx: z.RefinementCtx): void => {
    const message = check(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: value });
  };
}

export function duration(message: string) {
  return z
    .string()
    .refine((s) => parseDuration(s) !== undefined, { error: message })
    .meta({ pattern: '^(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?$', examples: ['90s', '15m', '4h', '1h30m', '2d'] });
}

export const durationSchema = duration('must be a duration like 90s, 15m, 4h, 1h30m or 2d');

const SECOND = 1000;
const DAY = 86_400_000;
export const DURATION_LIMITS = {
  /** a timer (setTimeout) overflows past 2^31 ms and then fires at once: a check a day at most */
  every: { min: SECOND, max: DAY },
  window: { min: SECOND, max: 90 * DAY },
  minDuration: { min: 0, max: 365 * DAY },
  maxStageDuration: { min: SECOND, max: 365 * DAY },
  failingFor: { min: SECOND, max: 30 * DAY },
  postLaunch: { min: SECOND, max: 400 * DAY },
} as const;

/** A duration between `min` and `max` ms; outside, a message that says which bound and why. */
export function boundedDuration(limits: { readonly min: number; readonly max: number }, what: string) {
  return durationSchema.superRefine((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) return;
    if (ms < limits.min) {
      const message =
        limits.min <= SECOND && ms === 0
          ? `${what} of 0 is not allowed: it must be at least ${formatDuration(limits.min)}`
          : `${what} must be at least ${formatDuration(limits.min)}`;
      ctx.addIssue({ code: 'custom', message, input: text });
    } else if (ms > limits.max) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must be at most ${formatDuration(limits.max)} (got ${text}): a typo?`,
        input: text,
      });
    }
  });
}
