import type { FastifyInstance } from 'fastify';
import { StagegateError } from '../../errors.js';
import type { ServerDeps } from '../deps.js';
import { errorBody } from '../http-errors.js';
import { detailView, listItem, pendingItem, type RolloutListItem } from '../rollout-view.js';
import { historyQuerySchema, issuesOf, rolloutName } from './params.js';

/* Read-only views of the state store: no token needed. */

export function registerRolloutRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const loaded = (): readonly string[] => deps.loadedRollouts?.() ?? [];

  app.get('/api/rollouts', async () => {
    const records = await deps.store.list();
    const items = new Map<string, RolloutListItem>(records.map((r) => [r.name, listItem(r)]));
    for (const name of loaded()) if (!items.has(name)) items.set(name, pendingItem(name));
    return [...items.values()].sort((a, b) => a.name.localeCompare(b.name));
  });

  app.get('/api/rollouts/:name', async (req) => {
    const name = rolloutName(req.params);
    const record = await deps.store.load(name);
    if (record) return detailView(listItem(record), await deps.store.history(name));
    if (loaded().includes(name)) return detailView(pendingItem(name), []);
    throw new StagegateError('E_NOT_FOUND', `no rollout named "${name}"`);
  });

  app.get('/api/rollouts/:name/history', async (req, reply) => {
    const name = rolloutName(req.params);
    const query = historyQuerySchema.safeParse(req.query);
    if (!query.success) {
      return reply.code(400).send(errorBody('E_BAD_REQUEST', 'invalid query string', issuesOf(query.error)));
    }
    const record = await deps.store.load(name);
    if (!record && !loaded().includes(name))
      throw new StagegateError('E_NOT_FOUND', `no rollout named "${name}"`);
    const history = record ? await deps.store.history(name) : [];
    const limit = query.data.limit;
    const entries = limit === undefined ? history : history.slice(-limit);
    return { name, total: history.length, entries };
  });
}
