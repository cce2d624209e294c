import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../src/ports/state-store.js';
import { pendingItem } from '../../../src/server/rollout-view.js';
import {
  detailLive,
  detailPage,
  layout,
  listLive,
  listPage,
  notFoundPage,
  planOf,
  type ListRow,
} from '../../../src/server/routes/ui-pages.js';
import { rolloutYaml } from '../../controller/rollout-yaml.js';
import { T0, filledStore, record } from '../helpers.js';

const row = (name: string, over: Partial<ListRow> = {}): ListRow => ({
  ...pendingItem(name),
  exposure: null,
  ...over,
});

describe('layout', () => {
  it('is a page with no inline script or style (the CSP forbids both), and an escaped title', () => {
    const html = layout('<b>x</b>', '<p>body</p>');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>&lt;b&gt;x&lt;/b&gt;</title>');
    expect(html).toContain('<script src="/ui/app.js" defer></script>');
    expect(html).not.toMatch(/<script>|<style|style="/);
    expect(html).toContain(
      '<main id="main"><p id="live-state" class="stale" role="status"></p><p>body</p></main>',
    );
  });
});

describe('listLive and listPage', () => {
  it('has a row per rollout, in the given order, with escaped text', () => {
    const html = listLive(
      [
        row('beta', {
          state: 'paused',
          stage: 'canary',
          percent: 2,
          reason: 'paused by <ian>',
          exposure: '2% of actors',
        }),
        row('alpha'),
      ],
      T0,
    );
    const names = [...html.matchAll(/<tr data-rollout="([^"]+)">/g)].map((m) => m[1]);
    expect(names).toEqual(['beta', 'alpha']);
    expect(html).toContain('<span class="state state-paused">paused</span>');
    expect(html).toContain('paused by &lt;ian&gt;');
    expect(html).toContain('<td>2% of actors</td>');
    expect(html).toContain('<td>not read</td>');
    expect(html).toContain('<caption>Rollouts (as of 2025-06-17 12:00 UTC)</caption>');
  });

  it('says how to start when there is no rollout', () => {
    expect(listLive([], T0)).toBe('<p>No rollouts yet: add a file to the rollouts directory.</p>');
  });

  it('the page wraps the live part the script re-fetches', () => {
    expect(listPage([row('alpha')], T0)).toContain('<div id="live" data-live="/?part=live"><table');
  });
});

describe('detailPage and detailLive', () => {
  it('has a button per operator command; abort and promote ask for confirmation', () => {
    const html = detailPage('alpha', '<p>live</p>');
    const buttons = [...html.matchAll(/data-command="(\w+)"[^>]*?(data-confirm="true")?>/g)].map((m) => [
      m[1],
      m[2] !== undefined,
    ]);
    expect(buttons).toEqual([
      ['pause', false],
      ['resume', false],
      ['approve', false],
      ['abort', true],
      ['promote', true],
      ['retry', false],
    ]);
    expect(html).toContain('<div id="live" data-live="/rollouts/alpha?part=live"><p>live</p></div>');
  });

  it('before any record: the summary and "No check has run yet."', () => {
    const html = detailLive(row('alpha'), undefined, [], undefined, T0);
    expect(html).toContain('<dt>State</dt><dd><span class="state state-pending">pending</span></dd>');
    expect(html.endsWith('<p>No check has run yet.</p>')).toBe(true);
  });

  it('with a record: the stage timeline, the metrics and the decisions, in that order', () => {
    const history = filledStore().entries.get('alpha') ?? [];
    const html = detailLive(
      row('alpha', { state: 'running' }),
      record('alpha'),
      history,
      undefined,
      T0 + 1000,
    );
    const order = ['<h2>Stage timeline</h2>', '<h2>Metrics</h2>', '<h2>Decisions</h2>'].map((h) =>
      html.indexOf(h),
    );
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(html).toContain('<svg class="chart"');
  });
});

describe('notFoundPage', () => {
  it('escapes the message', () => {
    expect(notFoundPage('no rollout named "<x>"')).toContain('<p>no rollout named &quot;&lt;x&gt;&quot;</p>');
  });
});

describe('planOf', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagegate-ui-pages-'));
    await writeFile(join(dir, 'alpha.yaml'), rolloutYaml({ name: 'alpha' }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const spec = (source: string | null, at = T0): HistoryEntry => ({
    type: 'spec',
    at,
    specHash: 'h',
    source,
  });

  it('loads the rollout file of the newest spec entry that names one', async () => {
    const plan = await planOf('alpha', [
      spec(join(dir, 'gone.yaml'), T0 - 1),
      spec(join(dir, 'alpha.yaml')),
      spec(null, T0 + 1),
    ]);
    expect(plan?.name).toBe('alpha');
  });

  it('is undefined when the file is gone, names another rollout, or no spec names a file', async () => {
    await expect(planOf('alpha', [spec(join(dir, 'gone.yaml'))])).resolves.toBeUndefined();
    await expect(planOf('beta', [spec(join(dir, 'alpha.yaml'))])).resolves.toBeUndefined();
    await expect(planOf('alpha', [spec(null)])).resolves.toBeUndefined();
  });
});
