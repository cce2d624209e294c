import { describe, expect, it } from 'vitest';
import {
  describeLeadership,
  leadershipGauges,
  soleLeadership,
  type LeadershipState,
} from '../../src/ports/leadership.js';

describe('leadership for status, /readyz and /metrics', () => {
  it.each<[string, LeadershipState, string]>([
    [
      'leader',
      { role: 'leader', self: 'a/1', lease: { holder: 'a/1', epoch: 3, expiresAt: 0 } },
      'leader (a/1, lease epoch 3)',
    ],
    [
      'follower',
      { role: 'follower', self: 'b/2', lease: { holder: 'a/1', epoch: 3, expiresAt: Date.UTC(2026, 0, 1) } },
      'follower (b/2); leader is a/1 (epoch 3, lease until 2026-01-01T00:00:00.000Z)',
    ],
    [
      'follower, never held',
      { role: 'follower', self: 'b/2', lease: { holder: null, epoch: 0, expiresAt: null } },
      'follower (b/2); no replica holds the lease yet',
    ],
  ])('describes a %s', (_label, state, text) => {
    expect(describeLeadership(state)).toBe(text);
  });

  it('gives a store without replicas a leadership that always leads at epoch 0', async () => {
    const sole = soleLeadership();
    expect(leadershipGauges(sole)).toEqual({ leader: 1, epoch: 0 });
    expect(sole.fence()).toEqual({ epoch: 0, holder: 'local' });
    await expect(sole.confirm(sole.fence())).resolves.toBeUndefined();
    expect(describeLeadership(sole.state())).toBe('leader (local, lease epoch 0)');
  });
});
