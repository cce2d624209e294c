import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDatadogSandbox, type DatadogSandbox } from '../../src/sandbox/datadog-server.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import { ControllerProcess, createWorkspace, runCli, waitFor, type Workspace } from '../e2e/harness.js';

/*
 * Issue 7 end to end: the real controller (`stagegate run`, built CLI) with
 * the API enabled, against the Datadog and Flipper sandboxes; the rollout is
 * paused and resumed over HTTP, its webhooks arrive on a local server,
 * /metrics shows the checks, and `stagegate report` renders the result.
 */

const NAME = 'api-e2e';
const HELD = 'api-e2e-abort';
const TOKEN = 'e2e-api-token-4f1c9a';
const REQUESTS = 'sum:e2e.requests{env:sandbox}.as_count()';
const ERRORS = 'sum:e2e.errors{env:sandbox}.as_count()';

const rolloutYaml = `name: ${NAME}
description: API end-to-end
toggle: { provider: flipper, feature: api_e2e_enabled }
check: { every: 1s, timezone: UTC }
stages:
  - { name: canary, percent: 5, minDuration: 2s, minSamples: 50 }
  - { name: stage-e, percent: 100, minDuration: 2s }
samples: requests
metrics:
  requests: { datadog: { query: "${REQUESTS}", aggregator: sum }, window: stage }
  error_rate:
    datadog: { numerator: "${ERRORS}", denominator: "${REQUESTS}" }
    window: 3s
criteria:
  advance: [error_rate < 5%]
  rollback: [error_rate > 20% for 2 checks]
notify: [hook]
`;

// a second rollout that stays in its canary, to be aborted over HTTP
const heldYaml = rolloutYaml
  .replace(`name: ${NAME}`, `name: ${HELD}`)
  .replace('feature: api_e2e_enabled', 'feature: api_e2e_abort_enabled')
  .replace('minDuration: 2s, minSamples: 50', 'minDuration: 10m, minSamples: 50');

interface Received {
  type: string;
  rollout: string;
  signature: string | undefined;
}

let dd: DatadogSandbox;
let flipper: FlipperSandbox;
let hook: Server;
let ws: Workspace;
const received: Received[] = [];

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

beforeAll(async () => {
  dd = await startDatadogSandbox();
  flipper = await startFlipperSandbox();
  dd.setSeries(REQUESTS, { perSecond: 200 });
  dd.setSeries(ERRORS, { perSecond: 1 });
  hook = createServer((req, res) => {
    void body(req).then((text) => {
      const event = JSON.parse(text) as { type: string; rollout: string };
      received.push({
        type: event.type,
        rollout: event.rollout,
        signature: req.headers['x-stagegate-signature'] as string | undefined,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  ws = await createWorkspace({
    datadogUrl: dd.url,
    flipperUrl: flipper.url,
    flipper,
    rollouts: { [NAME]: rolloutYaml, [HELD]: heldYaml },
  });
  const config = await readFile(ws.configPath, 'utf8');
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/events`;
  await writeFile(
    ws.configPath,
    config.replace(
      'server: { enabled: false }',
      `server: { port: 0, tokenEnv: STAGEGATE_API_TOKEN }\nnotifiers:\n  hook: { type: webhook, url: "${hookUrl}" }`,
    ),
  );
});

afterAll(async () => {
  await Promise.all([dd?.close(), flipper?.close(), new Promise((r) => hook?.close(r))]);
  await ws?.cleanup();
});

describe('API, metrics, notifications and report end to end', () => {
  it('acts on a running rollout over HTTP and reports it', async () => {
    const controller = new ControllerProcess(ws, [], { STAGEGATE_API_TOKEN: TOKEN });
    try {
      const listening = await controller.waitForLog((l) => l.msg === 'http server listening');
      const url = String(listening.url);
      const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const get = async (path: string) =>
        (await fetch(`${url}${path}`)).json() as Promise<Record<string, unknown>>;

      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200);
      await waitFor(async () => (await get(`/api/rollouts/${NAME}`)).state === 'running');

      const unauthorized = await fetch(`${url}/api/rollouts/${NAME}/pause`, { method: 'POST' });
      expect(unauthorized.status).toBe(401);

      const paused = await fetch(`${url}/api/rollouts/${NAME}/pause`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ by: 'oncall', reason: 'checking dashboards' }),
      });
      expect(paused.status).toBe(200);
      expect((await get(`/api/rollouts/${NAME}`)).state).toBe('paused');

      const refused = await fetch(`${url}/api/rollouts/${NAME}/approve`, {
        method: 'POST',
        headers: auth,
        body: '{}',
      });
      expect(refused.status).toBe(409);

      const resumed = await fetch(`${url}/api/rollouts/${NAME}/resume`, {
        method: 'POST',
        headers: auth,
        body: '{}',
      });
      expect(resumed.status).toBe(200);

      await waitFor(async () => (await get(`/api/rollouts/${NAME}`)).state === 'completed', 30_000);
      const detail = await get(`/api/rollouts/${NAME}`);
      expect(detail).toMatchObject({ state: 'completed', percent: 100 });

      const history = (await get(`/api/rollouts/${NAME}/history`)) as {
        entries: { type: string; command?: string; by?: string }[];
      };
      expect(history.entries.filter((e) => e.type === 'command').map((e) => [e.command, e.by])).toEqual([
        ['pause', 'oncall'],
        ['approve', 'api'],
        ['resume', 'api'],
      ]);

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(`stagegate_rollout_percent{rollout="${NAME}"} 100`);
      expect(metrics).toContain(`stagegate_rollout_state{rollout="${NAME}",state="completed"} 1`);
      expect(metrics).toMatch(
        new RegExp(`stagegate_checks_total\\{rollout="${NAME}",result="advance"\\} [1-9]`),
      );
      expect(metrics).toMatch(
        /stagegate_provider_request_duration_seconds_count\{provider="datadog",outcome="ok"\} [1-9]/,
      );
      expect(metrics).toMatch(
        /stagegate_provider_request_duration_seconds_count\{provider="flipper",outcome="ok"\} [1-9]/,
      );
      expect(metrics).toMatch(
        /stagegate_datadog_ratelimit_remaining\{provider="datadog",name="metrics_query"\} \d+/,
      );
      expect(metrics).toMatch(
        new RegExp(`stagegate_toggle_writes_total\\{rollout="${NAME}",action="set",result="ok"\\} 2`),
      );

      await waitFor(() => received.some((e) => e.type === 'completed'), 10_000);
      const types = received.filter((e) => e.rollout === NAME).map((e) => e.type);
      // the pause over HTTP is notified by the controller that applied it, in order with the rest
      expect(types).toEqual(['started', 'paused', 'advanced', 'completed']);
    } finally {
      const exit = await controller.stop();
      expect(exit.code).toBe(0);
      expect(controller.stderr).not.toContain(TOKEN);
    }

    const report = await runCli(ws, ['report', NAME]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`# Release report: ${NAME}`);
    expect(report.stdout).toContain('### Stage A: canary (5% of users)');
    expect(report.stdout).toContain('- [x] error_rate < 5%');
    expect(report.stdout).toContain(': pause by oncall: checking dashboards\n');
  }, 60_000);

  it('answers an abort over HTTP with the state after the toggle write, and counts the rollback', async () => {
    const controller = new ControllerProcess(ws, [], { STAGEGATE_API_TOKEN: TOKEN });
    try {
      const listening = await controller.waitForLog((l) => l.msg === 'http server listening');
      const url = String(listening.url);
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200);
      await waitFor(() => flipper.feature('api_e2e_abort_enabled') !== undefined);

      const aborted = await fetch(`${url}/api/rollouts/${HELD}/abort`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ by: 'oncall', reason: 'contact center spike' }),
      });
      expect(aborted.status).toBe(200);
      const answer = (await aborted.json()) as {
        message: string;
        summary: { state: string; percent: number };
      };
      expect(answer.summary).toMatchObject({ state: 'rolled_back', percent: 0 });
      expect(answer.message).toMatch(/toggle written$/);

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(`stagegate_rollbacks_total{rollout="${HELD}"} 1`);
    } finally {
      const exit = await controller.stop();
      expect(exit.code).toBe(0);
    }
  }, 40_000);
});
