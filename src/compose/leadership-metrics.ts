import { Gauge, type Registry } from 'prom-client';
import { leadershipGauges, type Leadership } from '../ports/leadership.js';

/*
 * stagegate_leader (1 on the replica that acts, 0 on followers) and
 * stagegate_lease_epoch (our epoch while leader, else the newest seen), read
 * at scrape time, so a frozen-then-resumed replica reports what it is now.
 * Registered from the composition root on the registry of the one
 * StagegateMetrics, beside its own gauges.
 */
export function registerLeadershipGauges(registry: Registry, leadership: Leadership): void {
  new Gauge({
    name: 'stagegate_leader',
    help: '1 when this replica holds the leader lease and acts (checks, toggle writes), else 0',
    registers: [registry],
    collect() {
      this.set(leadershipGauges(leadership).leader);
    },
  });
  new Gauge({
    name: 'stagegate_lease_epoch',
    help: 'the leader lease epoch: ours while leader, else the newest seen (0 on a store without replicas)',
    registers: [registry],
    collect() {
      this.set(leadershipGauges(leadership).epoch);
    },
  });
}
