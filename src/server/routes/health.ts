import type { FastifyInstance } from 'fastify';
import { scanStore, storeHealth } from '../../ports/state-store.js';
import type { ServerDeps } from '../deps.js';
import { intervalSecondsOf, overdueProblems } from '../check-age.js';

/*
 * Liveness, readiness and the Prometheus scrape. /healthz answers as long as
 * the event loop does (a restart fixes nothing else); /readyz says whether
 * this instance can do its job: state store reachable and writing, config
 * loaded, and no rollout overdue for its check (check-age.ts).
 */

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function leadershipView(deps: ServerDeps) {
  const state = deps.leadership?.();
  if (!state) return null;
  return {
    role: state.role,
    self: state.self,
    holder: state.lease.holder,
    epoch: state.lease.epoch,
    expiresAt: state.lease.expiresAt === null ? null : new Date(state.lease.expiresAt).toISOString(),
  };
}

export function registerHealthRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const storeTimeoutMs = deps.storeTimeoutMs ?? 2000;

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const problems: string[] = [];
    // one unreadable record is that rollout's problem, shown here but not a reason to pull the instance
    let records: string[] = [];
    try {
      const scan = await withTimeout(scanStore(deps.store), storeTimeoutMs, 'state store');
      records = scan.problems.map((p) => `${p.name}: ${p.message}`);
      // a process that is up but checks nothing is not ready: checks overdue by more than two intervals
      const loaded = deps.loadedRollouts ? new Set(deps.loadedRollouts()) : undefined;
      problems.push(...overdueProblems(scan.records, deps.metrics.checkAges, loaded));
    } catch (err) {
      problems.push(`state store unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const health = storeHealth(deps.store);
    if (!health.ok) problems.push(`state store failing: ${health.problem ?? 'writes fail'}`);
    problems.push(...(deps.readiness ? await deps.readiness() : []));
    // a follower is ready (it serves reads and relays commands); the body says who acts
    const leadership = leadershipView(deps);
    // warned, not failed: pulling the instance would take away the API on-call needs (duplicates.ts)
    const warnings = (deps.duplicates?.() ?? []).map(
      (d) => `duplicate rollout name "${d.name}": ${d.ignored} ignored, ${d.kept} kept`,
    );
    const extra = warnings.length > 0 ? { warnings } : {};
    if (problems.length > 0)
      return reply.code(503).send({ status: 'not ready', problems, records, leadership, ...extra });
    return { status: 'ready', problems: [], records, leadership, ...extra };
  });

  app.get('/metrics', async (_req, reply) => {
    // state and percent come from the store, so CLI commands show up without a check
    try {
      const records = await withTimeout(deps.store.list(), storeTimeoutMs, 'state store');
      for (const record of records) {
        deps.metrics.recordSummary(record.name, record.summary);
        deps.metrics.recordCheckInterval(record.name, intervalSecondsOf(record));
      }
    } catch (err) {
      deps.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'metrics: store not readable',
      );
    }
    const text = await deps.metrics.text();
    return reply.type(deps.metrics.contentType).send(text);
  });
}
