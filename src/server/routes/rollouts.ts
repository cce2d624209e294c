import type { FastifyInstance } from 'fastify';
import { StagegateError } from '../../errors.js';
import { scanStore, type HistoryEntry, type StateStore } from '../../ports/state-store.js';
import type { ServerDeps } from '../deps.js';
import { errorBody } from '../http-errors.js';
import { createReadGate } from '../read-gate.js';
import { detailView, listItem, pendingItem, problemItem, type RolloutListItem } from '../rollout-view.js';
import { historyQuerySchema, issuesOf, rolloutName } from './params.js';

/*
 * Read-only views of the state store: no token needed. A record that cannot
 * be read is shown as that rollout's problem; every other rollout answers as
 * usual. History is read in pages from the end, and every read goes through
 * a small gate so API clients cannot crowd out the controller's checks.
 */

const DEFAULT_HISTORY_PAGE = 1000;
/** how far back the detail view looks for the last check (entries) */
const LAST_CHECK_LOOKBACK = 2048;

export function registerRolloutRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const loaded = (): readonly string[] => deps.loadedRollouts?.() ?? [];
  const gate = createReadGate(deps.apiReadConcurrency ?? 4);

  app.get('/api/rollouts', async () => {
    const { records, problems } = await gate.run(() => scanStore(deps.store));
    const items = new Map<string, RolloutListItem>(records.map((r) => [r.name, listItem(r)]));
    for (const p of problems) items.set(p.name, problemItem(p));
    for (const name of loaded()) if (!items.has(name)) items.set(name, pendingItem(name));
    // a file ignored for claiming a running rollout's name shows on that rollout (issue 11 item 4)
    const dups = deps.duplicates?.() ?? [];
    return [...items.values()]
      .map((item) => {
        const mine = dups.filter((d) => d.name === item.name).map(({ ignored, kept }) => ({ ignored, kept }));
        return mine.length > 0 ? { ...item, duplicates: mine } : item;
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  });

  app.get('/api/rollouts/:name', async (req) => {
    const name = rolloutName(req.params);
    return gate.run(async () => {
      const item = await itemOf(deps.store, name);
      if (item) return detailView(item, await lastCheckHistory(deps.store, name));
      if (loaded().includes(name)) return detailView(pendingItem(name), []);
      throw new StagegateError('E_NOT_FOUND', `no rollout named "${name}"`);
    });
  });

  app.get('/api/rollouts/:name/history', async (req, reply) => {
    const name = rolloutName(req.params);
    const query = historyQuerySchema.safeParse(req.query);
    if (!query.success) {
      return reply.code(400).send(errorBody('E_BAD_REQUEST', 'invalid query string', issuesOf(query.error)));
    }
    const before = query.data.before ?? 0;
    const limit = query.data.limit ?? DEFAULT_HISTORY_PAGE;
    return gate.run(async () => {
      const item = await itemOf(deps.store, name);
      if (!item && !loaded().includes(name))
        throw new StagegateError('E_NOT_FOUND', `no rollout named "${name}"`);
      // one more than asked: whether an older page exists, without counting the file
      const page = item ? await deps.store.history(name, { before, limit: limit + 1 }) : [];
      const more = page.length > limit;
      const entries = more ? page.slice(1) : page;
      return { name, entries, next: more ? before + entries.length : null };
    });
  });
}

/** the rollout's list item: from its record, or its problem when the record cannot be read */
async function itemOf(store: StateStore, name: string): Promise<RolloutListItem | undefined> {
  try {
    const record = await store.load(name);
    return record ? listItem(record) : undefined;
  } catch (err) {
    if (!(err instanceof StagegateError) || err.code !== 'E_STORE_CORRUPT') throw err;
    const path = typeof err.details.path === 'string' ? err.details.path : null;
    return problemItem({ name, code: 'E_STORE_CORRUPT', message: err.message, path });
  }
}

/** the newest entries, widening until a check is among them (or the lookback is spent) */
async function lastCheckHistory(store: StateStore, name: string): Promise<HistoryEntry[]> {
  for (let limit = 64; ; limit *= 4) {
    const entries = await store.history(name, { limit });
    if (entries.length < limit || limit >= LAST_CHECK_LOOKBACK || entries.some((e) => e.type === 'check'))
      return entries;
  }
}
