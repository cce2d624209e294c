import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Leadership, LeadershipState } from '../ports/leadership.js';

/*
 * Whether this controller may act (check, write toggles up, save records)
 * right now (issue 14). It acts only while its replica holds the lease; on a
 * store that has no replicas (file, memory) the leadership is always held.
 *
 * A write refused with E_FENCED proves a newer epoch exists even when the
 * local deadline has not run out yet (the lease was released or the clocks
 * disagree): from then on the gate stays shut for that epoch, so the next
 * scheduled check does not even try; only a new epoch of our own opens it.
 * Becoming leader (follower → leader) calls the takeover callbacks, where the
 * controller re-reads the state and checks every rollout at once.
 */

export interface LeaderGate {
  /** true while this replica is the leader and no write of this epoch was fenced */
  acting(): boolean;
  /** a write was refused with E_FENCED: stop acting until a new epoch of ours */
  fenced(err: unknown): void;
  /** called on every follower → leader change (a new epoch); returns the unsubscribe */
  onTakeover(cb: (state: LeadershipState) => void): () => void;
  readonly leadership: Leadership;
}

export function isFenced(err: unknown): boolean {
  return err instanceof StagegateError && err.code === 'E_FENCED';
}

export function createLeaderGate(leadership: Leadership, logger: Logger): LeaderGate {
  let fencedEpoch: number | undefined;
  let wasLeader = leadership.isLeader();
  const takeover = new Set<(state: LeadershipState) => void>();

  leadership.onChange((state) => {
    const leader = state.role === 'leader';
    if (leader && !wasLeader) {
      fencedEpoch = undefined;
      logger.info({ self: state.self, epoch: state.lease.epoch }, 'became leader: checking every rollout');
      for (const cb of takeover) cb(state);
    } else if (!leader && wasLeader) {
      logger.warn(
        { self: state.self, holder: state.lease.holder, epoch: state.lease.epoch },
        'no longer leader: checks and toggle writes stop',
      );
    }
    wasLeader = leader;
  });

  return {
    leadership,
    acting: () => leadership.isLeader() && fencedEpoch !== leadership.epoch(),
    fenced(err) {
      if (!isFenced(err) || fencedEpoch === leadership.epoch()) return;
      fencedEpoch = leadership.epoch();
      logger.warn({ epoch: fencedEpoch }, 'write fenced: a newer lease epoch exists, acting stops');
    },
    onTakeover(cb) {
      takeover.add(cb);
      return () => takeover.delete(cb);
    },
  };
}
