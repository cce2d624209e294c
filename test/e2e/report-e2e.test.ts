import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { startDatadogSandbox, type DatadogSandbox } from '../../src/sandbox/datadog-server.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import { eventsKey } from '../../src/sandbox/scenario.js';
import { queriesFor, rolloutYaml } from '../controller/rollout-yaml.js';
import {
  checks,
  ControllerProcess,
  createWorkspace,
  DD_API_KEY,
  DD_APP_KEY,
  runCli,
  waitFor,
  type Workspace,
} from './harness.js';

/*
 * The issue-7 gaps, end to end with the built CLI against the sandboxes:
 * an operator command from the CLI notifies the rollout's webhook with no
 * controller running; a completed rollout gets its post-launch check-in; the
 * "types of errors logged" query runs when stages end (not on every check);
 * `stagegate report` shows both.
 */

let dd: DatadogSandbox;
let flipper: FlipperSandbox;
let hook: Server;
let hookUrl: string;
let received: { type: string; rollout: string; reason: string | null }[] = [];
let ws: Workspace | undefined;
let controller: ControllerProcess | undefined;

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

beforeAll(async () => {
  dd = await startDatadogSandbox();
  flipper = await startFlipperSandbox();
  hook = createServer((req, res) => {
    void body(req).then((text) => {
      received.push(JSON.parse(text) as { type: string; rollout: string; reason: string | null });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/events`;
});
afterAll(async () => {
  await Promise.all([dd?.close(), flipper?.close(), new Promise((r) => hook?.close(r))]);
});
afterEach(async () => {
  if (controller) {
    await controller.stop('SIGKILL');
    for (const secret of [DD_API_KEY, DD_APP_KEY]) expect(controller.stderr).not.toContain(secret);
  }
  controller = undefined;
  received = [];
  await ws?.cleanup();
  ws = undefined;
});

/**
 * A workspace whose config has the webhook notifier `hook`, and with `unsetSlack` a Slack notifier whose
 * variable is not set (which `stagegate run` refuses at start, by design, and operator commands skip).
 */
async function workspace(rollouts: Record<string, string>, unsetSlack = false): Promise<Workspace> {
  ws = await createWorkspace({ datadogUrl: dd.url, flipperUrl: flipper.url, flipper, rollouts });
  const config = await readFile(ws.configPath, 'utf8');
  await writeFile(
    ws.configPath,
    config.replace(
      'server: { enabled: false }',
      `server: { enabled: false }
notifiers:
  hook: { type: webhook, url: "${hookUrl}" }${
    unsetSlack ? '\n  slack-unset: { type: slack, webhookEnv: E2E_SLACK_WEBHOOK_NOT_SET }' : ''
  }`,
    ),
  );
  return ws;
}

function postLaunchChecks(history: readonly HistoryEntry[]) {
  return checks(history).filter((c) => c.detail.postLaunch !== null);
}

describe('operator commands notify from the CLI', () => {
  it('a CLI pause with no controller running reaches the webhook before the command exits', async () => {
    const name = 'e2e-cli-notify';
    const w = await workspace(
      { [name]: rolloutYaml({ name, extra: 'notify: [hook, slack-unset]\n' }) },
      true,
    );
    const paused = await runCli(w, ['pause', name, '--by', 'oncall', '--reason', 'checking dashboards']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toBe(`pause accepted for ${name}; now paused\n`);
    // delivered and waited for by the CLI itself: no polling needed
    expect(received).toEqual([
      expect.objectContaining({
        type: 'paused',
        rollout: name,
        reason: 'paused by oncall: checking dashboards',
      }),
    ]);
    // the notifier this shell cannot build is a warning, not a failed pause
    expect(paused.stderr).toContain('notifier unavailable in this process, not notified');
    expect(paused.stderr).toContain('E2E_SLACK_WEBHOOK_NOT_SET');
    expect((await w.record(name))?.summary.state).toBe('paused');

    // a refused command notifies nobody
    const again = await runCli(w, ['pause', name]);
    expect(again.code).toBe(1);
    expect(received).toHaveLength(1);
  }, 30_000);

  it('says so when a command implies a toggle write and no controller is running to make it', async () => {
    const name = 'e2e-cli-nobody';
    const w = await workspace({ [name]: rolloutYaml({ name }) });
    // one pass starts it (the canary write), then the controller is gone
    expect((await runCli(w, ['run', '--once'])).code).toBe(0);
    // not an abort: an abort writes the toggle off itself (test/faults/abort-first.test.ts)
    const aborted = await runCli(w, ['promote', name, '--by', 'oncall']);
    expect(aborted.code).toBe(0);
    expect(aborted.stdout).toMatch(/toggle write pending: no controller is running/);
    expect(aborted.stdout).not.toMatch(/a running controller applies it/);
    expect(aborted.stderr).toContain(`warning: no controller holds ${w.stateDir}`);
  }, 30_000);

  it('a typo in the rollout file does not disarm pause: the record keeps the last valid spec', async () => {
    const name = 'e2e-cli-typo';
    const w = await workspace({ [name]: rolloutYaml({ name }) });
    expect((await runCli(w, ['run', '--once'])).code).toBe(0);
    await w.writeRollout(name, rolloutYaml({ name }).replace('policy:', 'polcy:'));
    const status = await runCli(w, ['status']);
    expect(status.stdout).toMatch(
      new RegExp(
        `\\[rollout file invalid \\(.*${name}\\.yaml:\\d+:\\d+: polcy: unknown key.*\\), running the last valid version\\]`,
      ),
    );
    const paused = await runCli(w, ['pause', name, '--by', 'oncall', '--reason', 'typo day']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(new RegExp(`^pause accepted for ${name}; now paused`));
    expect(paused.stderr).toContain('using the last valid version the controller checked');
    expect((await w.record(name))?.summary.state).toBe('paused');
  }, 30_000);
});

describe('post-launch check-ins and types of errors logged', () => {
  it('records errors when stages end, checks in after completion once, and the report shows both', async () => {
    const name = 'e2e-post-launch';
    const q = queriesFor(name);
    const errorsSearch = `service:${name} status:error`;
    dd.setSeries(q.requests, { perSecond: 100 });
    dd.setSeries(q.errors, { perSecond: 1 });
    dd.setSeries(eventsKey('logs', errorsSearch), {
      groups: { 'SMTP timeout': { perSecond: 3 }, 'template missing': { perSecond: 1 } },
    });
    const w = await workspace({
      [name]: rolloutYaml({
        name,
        stages: [
          { name: 'canary', percent: 50, minDuration: '1s' },
          { name: 'full', percent: 100, minDuration: '1s' },
        ],
        extra: `postLaunch: [2s]
report:
  errors: { logs: { search: "${errorsSearch}" }, groupBy: "@error.message", top: 3 }
`,
      }),
    });
    controller = new ControllerProcess(w);
    await waitFor(
      async () => postLaunchChecks(await w.history(name)).length > 0,
      30_000,
      () => controller?.stderr.slice(-2000) ?? '',
    );
    await controller.stop();
    controller = undefined;

    const history = await w.history(name);
    const completedAt = history.find((e) => e.type === 'transition' && e.to === 'completed')?.at ?? 0;
    const [checkIn] = postLaunchChecks(history);
    expect(checkIn?.at).toBeGreaterThanOrEqual(completedAt + 2_000);
    expect(checkIn?.detail).toMatchObject({
      state: 'completed',
      postLaunch: { offsetMs: 2_000 },
      decision: null,
      measurements: { requests: { kind: 'value' }, error_rate: { kind: 'ratio' } },
      results: expect.arrayContaining([
        expect.objectContaining({
          criterion: { text: 'error_rate < 5%', metric: 'error_rate', percent: true },
          kind: 'advance',
          verdict: 'pass',
        }),
      ]),
      errors: [
        { message: 'SMTP timeout', count: expect.any(Number) },
        { message: 'template missing', count: expect.any(Number) },
      ],
    });
    // the toggle stayed where the rollout left it: no write after completion
    expect(history.filter((e) => e.type === 'toggle-intent' && e.at > completedAt)).toEqual([]);

    // asked only when a stage ended (a stage-errors entry each, after its check) and at the check-in, never on a hold
    expect(
      history.flatMap((e) =>
        e.type === 'stage-errors'
          ? [e.stage]
          : e.type === 'check' && e.detail.errors !== null
            ? ['post-launch']
            : [],
      ),
    ).toEqual(['canary', 'full', 'post-launch']);
    const grouped = dd.requests.filter(
      (r) => r.endpoint === 'logs' && JSON.stringify(r.body).includes(errorsSearch),
    );
    expect(grouped).toHaveLength(3);
    expect(checks(history).length).toBeGreaterThan(3);

    // a restart does not check in again
    const once = await runCli(w, ['run', '--once']);
    expect(once.code).toBe(0);
    expect(postLaunchChecks(await w.history(name))).toHaveLength(1);

    const report = await runCli(w, ['report', name]);
    expect(report.code).toBe(0);
    const post = report.stdout.slice(report.stdout.indexOf('## Post Launch metrics'));
    expect(post).toContain('### 2s after launch\n');
    expect(post).toMatch(/- Measured: /);
    expect(post).toMatch(/- \[x\] error_rate < 5%: /);
    expect(post).toMatch(
      /- Types of errors logged:\n {2}- `SMTP timeout` \(\d+\)\n {2}- `template missing` \(\d+\)/,
    );
    const stages = report.stdout.slice(0, report.stdout.indexOf('## Post Launch metrics'));
    expect(stages).toMatch(/- Types of errors logged:\n {2}- `SMTP timeout` \(\d+\)/);
  }, 60_000);
});
