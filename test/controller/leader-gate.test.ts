import { describe, expect, it } from 'vitest';
import { createLeaderGate } from '../../src/controller/leader-gate.js';
import { StagegateError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { Leadership, LeadershipState } from '../../src/ports/leadership.js';

/** a leadership the test drives: role and epoch by hand, onChange fired on set() */
function fakeLeadership(): Leadership & { set(leader: boolean, epoch: number): void } {
  let leader = false;
  let epoch = 0;
  const cbs = new Set<(s: LeadershipState) => void>();
  const state = (): LeadershipState => ({
    role: leader ? 'leader' : 'follower',
    self: 'me',
    lease: { holder: leader ? 'me' : 'other', epoch, expiresAt: null },
  });
  return {
    isLeader: () => leader,
    epoch: () => epoch,
    state,
    onChange: (cb) => {
      cbs.add(cb);
      return () => cbs.delete(cb);
    },
    fence: () => ({ epoch, holder: 'me' }),
    confirm: async () => undefined,
    stop: async () => undefined,
    set(l, e) {
      leader = l;
      epoch = e;
      for (const cb of cbs) cb(state());
    },
  };
}

const fencedErr = new StagegateError('E_FENCED', 'newer epoch');

describe('leader gate', () => {
  it.each([
    // steps: [leader, epoch] or 'fenced' / 'other-error'; expected acting() after each, and takeovers
    { steps: [[true, 1]], acting: [true], takeovers: 1 },
    { steps: [[true, 1], 'fenced'], acting: [true, false], takeovers: 1 },
    { steps: [[true, 1], 'other-error'], acting: [true, true], takeovers: 1 },
    { steps: [[true, 1], 'fenced', [false, 2], [true, 3]], acting: [true, false, false, true], takeovers: 2 },
    { steps: [[false, 1]], acting: [false], takeovers: 0 },
    {
      steps: [
        [true, 1],
        [true, 1],
      ],
      acting: [true, true],
      takeovers: 1,
    },
  ] as const)('$steps → acting $acting, $takeovers takeover(s)', ({ steps, acting, takeovers }) => {
    const l = fakeLeadership();
    const gate = createLeaderGate(l, silentLogger());
    let taken = 0;
    gate.onTakeover(() => taken++);
    const seen: boolean[] = [];
    for (const step of steps) {
      if (step === 'fenced') gate.fenced(fencedErr);
      else if (step === 'other-error') gate.fenced(new Error('E_STORE_IO-ish'));
      else l.set(step[0], step[1]);
      seen.push(gate.acting());
    }
    expect(seen).toEqual(acting);
    expect(taken).toBe(takeovers);
  });
});
