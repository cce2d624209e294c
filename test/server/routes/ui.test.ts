import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src/server/server.js';
import { UI_CSP, exposureText } from '../../../src/server/routes/ui.js';
import { parseCheckDetail, type HistoryEntry } from '../../../src/ports/history.js';
import { check, completedHistory, START } from '../../report/fixtures.js';
import { deps, FakeStore, record, TOKEN, type CommandCall } from '../helpers.js';

/* The status page's routes, through fastify's inject (the browser tests drive it in Chromium). */

const NAME = 'event-bus-gateway-emails';
let store: FakeStore;
let app: FastifyInstance;

beforeEach(() => {
  store = new FakeStore();
  store.records.set(
    NAME,
    record(NAME, { state: 'paused', reason: 'drift: toggle at 40%', percent: 25, stage: 'stage-b' }),
  );
  store.entries.set(NAME, [
    ...completedHistory().slice(0, 6),
    check(
      START + 3_600_000,
      'stage-b',
      25,
      { sent: 100, failed: 1, clicks: 40, delivered: 100, calls: 0 },
      'pause',
    ),
  ]);
  // the check read the toggle at 40%: the effective exposure
  const last = store.entries.get(NAME)!.at(-1)!;
  if (last.type === 'check')
    store.entries.get(NAME)![store.entries.get(NAME)!.length - 1] = {
      ...last,
      detail: { ...last.detail, toggle: 40 },
    };
  const calls: CommandCall[] = [];
  app = buildServer(deps(store, calls, { loadedRollouts: () => [NAME, 'not-run-yet'] }));
});

afterEach(async () => {
  await app.close();
});

describe('GET /', () => {
  it('lists every rollout with state, stage, percent, effective exposure and why', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const row = res.body.match(new RegExp(`<tr data-rollout="${NAME}">.*?</tr>`))?.[0] ?? '';
    expect(row).toContain('>paused<');
    expect(row).toContain('<td>stage-b</td><td>25%</td><td>40%</td>');
    expect(row).toContain('drift: toggle at 40%');
    expect(res.body).toContain('<tr data-rollout="not-run-yet">');
  });

  it('sends a strict CSP and no cookie, and has no inline script or style', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.headers['content-security-policy']).toBe(UI_CSP);
    expect(UI_CSP).toContain("script-src 'self'");
    expect(UI_CSP).not.toContain('unsafe-inline');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.body).not.toMatch(/<script>|<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=/);
    expect(res.body).not.toContain(TOKEN);
  });

  it('answers 503 while the state store cannot be read (the page keeps its last view)', async () => {
    store.down = true;
    const res = await app.inject({ method: 'GET', url: '/?part=live' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'E_STORE_IO' } });
  });

  it('answers only the live part with ?part=live', async () => {
    const res = await app.inject({ method: 'GET', url: '/?part=live' });
    expect(res.body.startsWith('<table class="rollouts">')).toBe(true);
    expect(res.body).not.toContain('<html');
  });
});

describe('GET /rollouts/:name', () => {
  it('shows the stage timeline, a chart per metric with thresholds, evidence, decisions and the buttons', async () => {
    const res = await app.inject({ method: 'GET', url: `/rollouts/${NAME}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<caption>Stages: planned and actual</caption>');
    expect(res.body.match(/<svg class="chart"/g)).toHaveLength(4);
    expect(res.body).toMatch(/data-metric="error_rate"[\s\S]*threshold-rollback/);
    expect(res.body).toContain('<ul class="evidence"');
    expect(res.body).toContain('Decision log (newest first)');
    for (const c of ['pause', 'resume', 'approve', 'abort', 'promote', 'retry'])
      expect(res.body).toContain(`data-command="${c}" data-rollout="${NAME}"`);
    expect(res.body).toMatch(/data-command="abort"[^>]*data-confirm="true"/);
    expect(res.body).toMatch(/data-command="promote"[^>]*data-confirm="true"/);
    expect(res.body).not.toMatch(/data-command="pause"[^>]*data-confirm/);
  });

  it('is an HTML 404 for an unknown or impossible name', async () => {
    for (const url of ['/rollouts/nope', '/rollouts/..%2Fetc']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    }
  });

  it('shows a loaded rollout that has not run yet', async () => {
    const res = await app.inject({ method: 'GET', url: '/rollouts/not-run-yet' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('No check has run yet.');
  });
});

describe('static files', () => {
  it('serves the script and the style from the package, nothing else', async () => {
    const js = await app.inject({ method: 'GET', url: '/ui/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain('sessionStorage');
    expect(js.body).not.toContain('document.cookie');
    expect((await app.inject({ method: 'GET', url: '/ui/style.css' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/ui/..%2Fserver.ts' })).statusCode).toBe(404);
  });

  it('keeps commands behind the token: the page is read-only without it', async () => {
    const res = await app.inject({ method: 'POST', url: `/api/rollouts/${NAME}/pause`, payload: {} });
    expect(res.statusCode).toBe(401);
  });
});

describe('exposureText', () => {
  const checkAt = (at: number, detail: Record<string, unknown>): HistoryEntry => ({
    type: 'check',
    at,
    stage: 'stage-b',
    percent: 50,
    detail: parseCheckDetail({ toggle: 50, ...detail }),
  });
  it.each<[string, HistoryEntry[], string | null]>([
    ['no history', [], null],
    [
      'the last check read every gate',
      [checkAt(1, { exposure: '50% of actors + 10% of time' })],
      '50% of actors + 10% of time',
    ],
    ['an older check: its percent only', [checkAt(1, {})], '50%'],
    [
      'a rollback written after the deciding check shows 0%, not what the check read',
      [
        checkAt(1, { exposure: '50% of actors' }),
        { type: 'toggle-result', at: 2, intentId: 'i1', ok: true, percent: 0, error: null },
      ],
      '0% (as written)',
    ],
    [
      'a failed write changes nothing',
      [
        checkAt(1, { exposure: '50% of actors' }),
        { type: 'toggle-result', at: 2, intentId: 'i1', ok: false, percent: null, error: 'boom' },
      ],
      '50% of actors',
    ],
  ])('%s', (_name, history, expected) => {
    expect(exposureText(history)).toBe(expected);
  });
});
