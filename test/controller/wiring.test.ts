import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/loader.js';
import { createCommandNotifications, createStore, createWiring } from '../../src/controller/wiring.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import { captureLogger, record } from '../store/helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-wiring-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(extra: string, state = 'state: { type: memory }') {
  return parseConfigText(
    `${state}
toggles:
  files: { type: file, path: ${join(dir, 'toggles.json')} }
${extra}`,
    'config/stagegate.yaml',
    {},
  );
}

const event: RolloutEvent = {
  type: 'paused',
  rollout: 'r1',
  feature: 'r1_enabled',
  stage: 'canary',
  percent: 5,
  at: 1,
  reason: 'by alice',
  readings: [],
};

describe('createWiring', () => {
  it('builds the configured providers and refuses a name that is not configured', () => {
    const cap = captureLogger();
    const w = createWiring(config(''), { env: {}, logger: cap.logger });
    expect(w.stateDir).toBeUndefined();
    expect([...w.toggles.keys()]).toEqual(['files']);
    expect(w.toggleFor('files')).toBe(w.toggles.get('files'));
    expect(() => w.toggleFor('flipper')).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG_INVALID',
        message: 'toggle provider "flipper" is not configured',
      }),
    );
    expect(() => w.metricsFor('datadog')).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
  });

  it('a file state store: the dir to lock, and records it keeps', async () => {
    const stateDir = join(dir, 'state');
    const w = createWiring(config('', `state: { type: file, dir: ${stateDir} }`), {
      env: {},
      logger: captureLogger().logger,
    });
    expect(w.stateDir).toBe(stateDir);
    await w.store.save(record('r1'), 0);
    expect((await createStore(w.config, captureLogger().logger).load('r1'))?.version).toBe(1);
  });

  it('fails at start, naming the variable, when a notifier secret is missing', () => {
    const c = config('notifiers:\n  slack-release: { type: slack, webhookEnv: SLACK_WEBHOOK_URL }');
    expect(() => createWiring(c, { env: {}, logger: captureLogger().logger })).toThrow(/SLACK_WEBHOOK_URL/);
  });
});

describe('createCommandNotifications', () => {
  let server: Server;
  let received: unknown[];
  let url: string;

  beforeEach(async () => {
    received = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
  });

  it('skips a notifier it cannot build here with a warning, and still delivers to the others', async () => {
    const c = config(
      `notifiers:\n  slack-release: { type: slack, webhookEnv: SLACK_WEBHOOK_URL }\n  hook: { type: webhook, url: "${url}" }`,
    );
    const cap = captureLogger();
    const n = createCommandNotifications(c, ['slack-release', 'hook', 'hook'], {
      env: {},
      logger: cap.logger,
    });
    n.notify(['slack-release', 'hook'], event);
    expect(await n.drain(5_000)).toBe(true);
    expect(received).toHaveLength(1);
    expect(JSON.stringify(received[0])).toContain('r1');
    const warned = cap.lines.find((l) => l.msg === 'notifier unavailable in this process, not notified');
    expect(warned).toMatchObject({ notifier: 'slack-release', component: 'notify' });
    expect(String(warned?.error)).toContain('SLACK_WEBHOOK_URL');
    // the skipped one is left out quietly: no "not configured" error for a configured name
    expect(cap.lines.some((l) => l.msg === 'notifier not configured')).toBe(false);
  });

  it('a name that is not configured at all is reported by the dispatcher', async () => {
    const cap = captureLogger();
    const n = createCommandNotifications(config(''), ['typo'], { env: {}, logger: cap.logger });
    n.notify(['typo'], event);
    expect(await n.drain(1_000)).toBe(true);
    expect(cap.lines).toContainEqual(
      expect.objectContaining({ msg: 'notifier not configured', notifier: 'typo' }),
    );
  });
});
