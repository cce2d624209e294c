import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerLeadershipGauges } from '../../src/compose/leadership-metrics.js';
import type { Leadership } from '../../src/ports/leadership.js';

/** a leadership whose role and epoch the test moves */
function movable(state: { leader: boolean; epoch: number }): Leadership {
  return {
    isLeader: () => state.leader,
    epoch: () => state.epoch,
    state: () => ({
      role: state.leader ? 'leader' : 'follower',
      self: 'r1',
      lease: { holder: 'r1', epoch: state.epoch, expiresAt: null },
    }),
    onChange: () => () => undefined,
    fence: () => ({ holder: 'r1', epoch: state.epoch }),
    confirm: async () => undefined,
    stop: async () => undefined,
  };
}

async function gauges(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => /^stagegate_(leader|lease_epoch) /.test(l));
}

describe('leadership gauges', () => {
  it('are read at scrape time: a replica deposed between scrapes reports follower', async () => {
    const registry = new Registry();
    const state = { leader: true, epoch: 7 };
    registerLeadershipGauges(registry, movable(state));
    expect(await gauges(registry)).toEqual(['stagegate_leader 1', 'stagegate_lease_epoch 7']);
    state.leader = false;
    state.epoch = 8;
    expect(await gauges(registry)).toEqual(['stagegate_leader 0', 'stagegate_lease_epoch 8']);
  });
});
