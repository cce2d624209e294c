import type { HistoryEntry, RolloutRecord } from '../../ports/state-store.js';
import { escapeHtml as e } from '../../report/chart-svg.js';
import { parseCheckDetail } from '../../report/check-detail.js';
import { formatTime } from '../../report/format.js';
import { buildReportModel, historyMarkers, metricSeries } from '../../report/index.js';
import { CHART_LEGEND, chartsHtml, decisionLogHtml, stageTimelineHtml } from '../../report/render-html.js';
import { loadRolloutFile } from '../../rollout/loader.js';
import type { Rollout } from '../../rollout/types.js';
import { OPERATOR_COMMANDS } from '../deps.js';
import type { RolloutListItem } from '../rollout-view.js';

/*
 * The status page's HTML, rendered on the server from the state store (the
 * same data the API answers) and the report's chart pieces. Each page has a
 * `#live` part that the page's script re-fetches (`?part=live`) to stay
 * current; everything else (token form, operator buttons) stays put so focus
 * and typed text survive an update. No inline script or style: the CSP
 * forbids both.
 */

export interface ListRow extends RolloutListItem {
  /** every gate exposing users, as last read or written (exposureText); null: not known */
  readonly exposure: string | null;
}

const CONFIRM = new Set(['abort', 'promote']);

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><link rel="stylesheet" href="/ui/style.css"><script src="/ui/app.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><p class="brand"><a href="/">stagegate</a> status</p>
<form id="token-form" class="token" aria-label="API token for commands">
<label for="token">API token</label> <input id="token" name="token" type="password" autocomplete="off" spellcheck="false">
<button type="submit">Use token</button> <button type="button" id="forget-token">Forget token</button>
<span id="token-state" role="status">read-only (no token)</span></form></header>
<main id="main"><p id="live-state" class="stale" role="status"></p>${body}</main>
<footer><p>Updates every few seconds. Commands need the API token (kept in this tab's session storage only).</p></footer>
</body></html>
`;
}

const when = (iso: string | null): string =>
  iso === null ? 'never' : `<time datetime="${e(iso)}">${e(formatTime(iso, 'UTC'))}</time>`;

export function listLive(rows: readonly ListRow[], now: number): string {
  if (rows.length === 0) return '<p>No rollouts yet: add a file to the rollouts directory.</p>';
  const body = rows.map(
    (r) =>
      `<tr data-rollout="${e(r.name)}"><th scope="row"><a href="/rollouts/${e(r.name)}">${e(r.name)}</a></th><td><span class="state state-${e(r.state)}">${e(r.state)}</span></td><td>${e(r.stage ?? '–')}</td><td>${r.percent}%</td><td>${r.exposure === null ? 'not read' : e(r.exposure)}</td><td>${when(r.lastCheckAt)}</td><td>${e(r.reason ?? '')}</td></tr>`,
  );
  return `<table class="rollouts"><caption>Rollouts (as of ${e(formatTime(new Date(now).toISOString(), 'UTC'))})</caption><thead><tr><th scope="col">Rollout</th><th scope="col">State</th><th scope="col">Stage</th><th scope="col">Percent</th><th scope="col">Effective exposure</th><th scope="col">Last check</th><th scope="col">Why held or paused</th></tr></thead><tbody>${body.join('')}</tbody></table>`;
}

export function listPage(rows: readonly ListRow[], now: number): string {
  return layout(
    'stagegate: rollouts',
    `<h1>Rollouts</h1><div id="live" data-live="/?part=live">${listLive(rows, now)}</div>`,
  );
}

/** The plan: the rollout file the controller last ran (its path is in the newest `spec` entry). */
export async function planOf(name: string, history: readonly HistoryEntry[]): Promise<Rollout | undefined> {
  const spec = history.findLast((x) => x.type === 'spec' && x.source !== null);
  if (spec?.type !== 'spec' || spec.source === null) return undefined;
  try {
    const rollout = await loadRolloutFile(spec.source);
    return rollout.name === name ? rollout : undefined;
  } catch {
    // moved or broken since: the timeline is built from history alone ("not in the rollout file")
    return undefined;
  }
}

export function detailLive(
  item: ListRow,
  record: RolloutRecord | undefined,
  history: readonly HistoryEntry[],
  plan: Rollout | undefined,
  now: number,
): string {
  const lastCheck = history.findLast((x) => x.type === 'check');
  const results = lastCheck?.type === 'check' ? parseCheckDetail(lastCheck.detail).results : [];
  const summary = `<dl class="summary"><div><dt>State</dt><dd><span class="state state-${e(item.state)}">${e(item.state)}</span></dd></div><div><dt>Stage</dt><dd>${e(item.stage ?? '–')}</dd></div><div><dt>Percent</dt><dd>${item.percent}%</dd></div><div><dt>Effective exposure</dt><dd>${item.exposure === null ? 'not read' : e(item.exposure)}</dd></div><div><dt>Last check</dt><dd>${when(item.lastCheckAt)}</dd></div><div><dt>Why</dt><dd>${e(item.reason ?? '–')}</dd></div></dl>`;
  if (!record) return `${summary}<p>No check has run yet.</p>`;
  const model = buildReportModel(record, history, plan, now);
  const series = metricSeries(history);
  return `${summary}<h2>Stage timeline</h2>${stageTimelineHtml(model)}<h2>Metrics</h2>${CHART_LEGEND}${chartsHtml(series, historyMarkers(history), results)}<h2>Decisions</h2>${decisionLogHtml(model)}`;
}

function commandButtons(name: string): string {
  const buttons = OPERATOR_COMMANDS.map(
    (c) =>
      `<button type="button" class="command" data-command="${c}" data-rollout="${e(name)}"${CONFIRM.has(c) ? ' data-confirm="true"' : ''}>${c[0]?.toUpperCase()}${c.slice(1)}</button>`,
  );
  return `<section class="operator" aria-labelledby="ops-h"><h2 id="ops-h">Operator commands</h2>
<p><label for="reason">Reason (optional, recorded in the history)</label><br><input id="reason" name="reason" maxlength="1000" size="60"></p>
<p class="buttons">${buttons.join(' ')}</p><p id="command-result" role="status" aria-live="polite"></p></section>`;
}

export function detailPage(name: string, live: string): string {
  return layout(
    `stagegate: ${name}`,
    `<p><a href="/">All rollouts</a></p><h1>${e(name)}</h1>${commandButtons(name)}<div id="live" data-live="/rollouts/${e(name)}?part=live">${live}</div>`,
  );
}

export function notFoundPage(message: string): string {
  return layout(
    'stagegate: not found',
    `<h1>Not found</h1><p>${e(message)}</p><p><a href="/">All rollouts</a></p>`,
  );
}
