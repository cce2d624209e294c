import type { RolloutEvent } from '../ports/notifier.js';

/*
 * `held_too_long` is sent at most once per stage per reason (issue 7). The
 * dispatcher sends whatever it is given; the runner remembers what it sent in
 * its (plain JSON) state with these two pure helpers.
 */

export function onceKey(event: Pick<RolloutEvent, 'type' | 'stage' | 'reason'>): string {
  return JSON.stringify([event.type, event.stage, event.reason]);
}

/** whether `event` is new, and the keys to remember afterwards */
export function firstTime(
  sent: readonly string[],
  event: Pick<RolloutEvent, 'type' | 'stage' | 'reason'>,
): { readonly send: boolean; readonly sent: readonly string[] } {
  const key = onceKey(event);
  return sent.includes(key) ? { send: false, sent } : { send: true, sent: [...sent, key] };
}
