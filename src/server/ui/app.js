/* global document, window, sessionStorage, fetch, HTMLInputElement, setInterval -- a browser script */
/*
 * The status page's script (served from the package, no build step, no
 * dependencies). It keeps the page current by re-fetching the `#live` part,
 * and sends operator commands to the API with the bearer token typed once
 * and kept in this tab's sessionStorage (never a cookie: no CSRF surface).
 */
const TOKEN_KEY = 'stagegate.apiToken';
const POLL_MS = 3000;

const token = () => sessionStorage.getItem(TOKEN_KEY) ?? '';

function showTokenState() {
  const state = document.getElementById('token-state');
  if (state) state.textContent = token() ? 'token set: commands enabled' : 'read-only (no token)';
}

function setupToken() {
  const form = document.getElementById('token-form');
  const input = document.getElementById('token');
  const forget = document.getElementById('forget-token');
  form?.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input instanceof HTMLInputElement ? input.value.trim() : '';
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    if (input instanceof HTMLInputElement) input.value = '';
    showTokenState();
  });
  forget?.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
  });
  showTokenState();
}

async function sendCommand(rollout, command) {
  const out = document.getElementById('command-result');
  const reasonInput = document.getElementById('reason');
  const reason = reasonInput instanceof HTMLInputElement ? reasonInput.value.trim() : '';
  const headers = { 'Content-Type': 'application/json' };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const body = JSON.stringify(reason ? { by: 'status-page', reason } : { by: 'status-page' });
  if (out) out.textContent = `${command}: sending…`;
  try {
    const res = await fetch(`/api/rollouts/${encodeURIComponent(rollout)}/${command}`, {
      method: 'POST',
      headers,
      body,
      credentials: 'omit',
      cache: 'no-store',
    });
    const data = await res.json().catch(() => ({}));
    const text = res.ok
      ? (data.message ?? `${command} accepted`)
      : `${command} refused (${res.status} ${data.error?.code ?? ''}): ${data.error?.message ?? res.statusText}`;
    if (out) {
      out.textContent = text;
      out.dataset.outcome = res.ok ? 'accepted' : 'refused';
    }
    if (res.ok) void refresh();
  } catch (err) {
    if (out) {
      out.textContent = `${command} failed: ${err instanceof Error ? err.message : String(err)}`;
      out.dataset.outcome = 'failed';
    }
  }
}

function setupCommands() {
  for (const button of document.querySelectorAll('button.command')) {
    button.addEventListener('click', () => {
      const { rollout, command, confirm: ask } = button.dataset;
      if (!rollout || !command) return;
      if (ask === 'true' && !window.confirm(`${command} ${rollout}? This changes who sees the feature now.`))
        return;
      void sendCommand(rollout, command);
    });
  }
}

/* Said only when it changes (stale, then current again), so a screen reader is not told every 3 s. */
function showStale(why) {
  const note = document.getElementById('live-state');
  if (!note) return;
  const text = why ? `Not updating: ${why}. Showing the last data; retrying.` : '';
  if (note.textContent !== text) note.textContent = text;
}

async function refresh() {
  const live = document.getElementById('live');
  const url = live?.dataset.live;
  if (!live || !url || document.hidden) return;
  try {
    const res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
    if (!res.ok) {
      showStale(`the controller answered ${res.status}`);
      return;
    }
    const html = await res.text();
    if (html !== live.innerHTML) live.innerHTML = html;
    live.dataset.updated = new Date().toISOString();
    showStale('');
  } catch {
    // the controller restarting: try again on the next tick
    showStale('the controller cannot be reached');
  }
}

setupToken();
setupCommands();
setInterval(() => void refresh(), POLL_MS);
