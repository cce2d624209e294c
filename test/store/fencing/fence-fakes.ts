import { StagegateError } from '../../../src/errors.js';
import type { FenceToken, Leadership } from '../../../src/ports/leadership.js';

/** a leadership for unit tests: `state.leader` false makes fence() and confirm() refuse like a deposed leader's */
export function fakeLeadership(
  token: FenceToken,
  state: { leader: boolean; confirms?: string[] },
): Leadership {
  return {
    isLeader: () => state.leader,
    epoch: () => token.epoch,
    state: () => ({
      role: state.leader ? 'leader' : 'follower',
      self: token.holder,
      lease: { ...token, expiresAt: null },
    }),
    onChange: () => () => undefined,
    fence: () => {
      if (!state.leader) throw new StagegateError('E_FENCED', 'not the leader');
      return token;
    },
    confirm: async (t) => {
      state.confirms?.push(`confirm ${t.epoch}`);
      if (!state.leader) throw new StagegateError('E_FENCED', `lease epoch ${t.epoch} is no longer live`);
    },
    stop: async () => undefined,
  };
}
