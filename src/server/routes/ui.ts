import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { StagegateError } from '../../errors.js';
import { scanStore, type HistoryEntry, type StateStore } from '../../ports/state-store.js';
import { parseCheckDetail } from '../../report/check-detail.js';
import type { ServerDeps } from '../deps.js';
import { createReadGate } from '../read-gate.js';
import { listItem, pendingItem, problemItem, type RolloutListItem } from '../rollout-view.js';
import {
  detailLive,
  detailPage,
  listLive,
  listPage,
  notFoundPage,
  planOf,
  type ListRow,
} from './ui-pages.js';
import { rolloutName } from './params.js';

/*
 * The status page: `GET /` (every rollout) and `GET /rollouts/:name` (one),
 * read-only like the API's GETs, plus its two static files from the package
 * (src/server/ui, copied to dist by the build; nothing is fetched at run
 * time). A strict CSP (scripts and styles from this origin only, no inline
 * code, no framing, no form posts) and no cookies: the token lives in the
 * tab's sessionStorage and goes out as a bearer header, so there is no CSRF
 * surface. Reads share a small gate of their own, like the API's.
 */

export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};
const HISTORY_PAGE = 5000;
const EXPOSURE_LOOKBACK = 64;

function loadAssets(): Map<string, string> {
  const dir = new URL('../ui/', import.meta.url);
  return new Map(Object.keys(ASSETS).map((file) => [file, readFileSync(new URL(file, dir), 'utf8')]));
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', UI_CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('X-Frame-Options', 'DENY')
    .header('Cache-Control', 'no-store');
}

const live = (query: unknown): boolean => (query as { part?: unknown } | undefined)?.part === 'live';

async function exposureOf(store: StateStore, name: string): Promise<string | null> {
  return exposureText(await store.history(name, { limit: EXPOSURE_LOOKBACK }));
}

/**
 * What exposes users now, as far as the history knows: a toggle write after
 * the last check (a rollback, an advance) is newer than what that check read,
 * so a rolled-back rollout shows its 0%, not the 50% its deciding check saw.
 */
export function exposureText(history: readonly HistoryEntry[]): string | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i];
    if (e?.type === 'toggle-result' && e.ok && e.percent !== null) return `${e.percent}% (as written)`;
    if (e?.type === 'check') {
      const d = parseCheckDetail(e.detail);
      return d.exposure ?? (d.toggle === null ? null : `${d.toggle}%`);
    }
  }
  return null;
}

export function registerUiRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const assets = loadAssets();
  const gate = createReadGate(2);
  const now = (): number => deps.now?.() ?? Date.now();
  const loaded = (): readonly string[] => deps.loadedRollouts?.() ?? [];

  const withExposure = async (item: RolloutListItem): Promise<ListRow> => ({
    ...item,
    exposure: item.problem || item.version === 0 ? null : await exposureOf(deps.store, item.name),
  });

  app.get('/ui/:file', async (req, reply) => {
    const file = (req.params as { file?: string }).file ?? '';
    const body = assets.get(file);
    const type = ASSETS[file];
    if (body === undefined || type === undefined) throw new StagegateError('E_NOT_FOUND', 'no such file');
    return secure(reply).type(type).send(body);
  });

  app.get('/', async (req, reply) => {
    const rows = await gate.run(async () => {
      const { records, problems } = await scanStore(deps.store);
      const items = new Map<string, RolloutListItem>(records.map((r) => [r.name, listItem(r)]));
      for (const p of problems) items.set(p.name, problemItem(p));
      for (const name of loaded()) if (!items.has(name)) items.set(name, pendingItem(name));
      const sorted = [...items.values()].sort((a, b) => a.name.localeCompare(b.name));
      return Promise.all(sorted.map(withExposure));
    });
    const html = live(req.query) ? listLive(rows, now()) : listPage(rows, now());
    return secure(reply).type('text/html; charset=utf-8').send(html);
  });

  app.get('/rollouts/:name', async (req, reply) => {
    let name: string;
    try {
      name = rolloutName(req.params);
    } catch {
      return secure(reply).code(404).type('text/html; charset=utf-8').send(notFoundPage('no such rollout'));
    }
    const found = await gate.run(async () => {
      const record = await deps.store.load(name).catch((err: unknown) => {
        if (err instanceof StagegateError && err.code === 'E_STORE_CORRUPT') return null;
        throw err;
      });
      if (record === null)
        return {
          item: problemItem({
            name,
            code: 'E_STORE_CORRUPT',
            message: 'the record cannot be read',
            path: null,
          }),
          record: undefined,
          history: [] as HistoryEntry[],
        };
      if (record === undefined && !loaded().includes(name)) return undefined;
      const history = record ? await deps.store.history(name, { limit: HISTORY_PAGE }) : [];
      return { item: record ? listItem(record) : pendingItem(name), record, history };
    });
    if (!found) {
      return secure(reply)
        .code(404)
        .type('text/html; charset=utf-8')
        .send(notFoundPage(`no rollout named "${name}"`));
    }
    const row: ListRow = { ...found.item, exposure: exposureText(found.history) };
    const plan = found.record ? await planOf(name, found.history) : undefined;
    const part = detailLive(row, found.record, found.history, plan, now());
    const html = live(req.query) ? part : detailPage(name, part);
    return secure(reply).type('text/html; charset=utf-8').send(html);
  });
}
