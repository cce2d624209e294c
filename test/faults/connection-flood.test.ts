import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDatadogSandbox, type DatadogSandbox } from '../../src/sandbox/datadog-server.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import { queriesFor, rolloutYaml } from '../controller/rollout-yaml.js';
import { CLI, checks, createWorkspace, parseLogLines, waitFor, type Workspace } from '../e2e/harness.js';

/*
 * Issue 11 item 6: unauthenticated idle connections took the controller to
 * EMFILE and then no check could read its record. Here a real `stagegate run`
 * under `prlimit --nofile=256` and 300 idle loopback sockets to its API: the
 * checks go on through the flood, none fails with EMFILE, and /healthz
 * answers once the flood is over.
 */

const NAME = 'flood-guarded';
let dd: DatadogSandbox;
let flipper: FlipperSandbox;
let ws: Workspace;
let child: ChildProcess;
let stderr = '';

beforeAll(async () => {
  dd = await startDatadogSandbox();
  flipper = await startFlipperSandbox({ token: 'flood-token-0123456789' });
  const q = queriesFor(NAME);
  dd.setSeries(q.requests, { perSecond: 100 });
  dd.setSeries(q.errors, { perSecond: 1 });
  ws = await createWorkspace({
    datadogUrl: dd.url,
    flipperUrl: flipper.url,
    flipper,
    rollouts: {
      [NAME]: rolloutYaml({
        name: NAME,
        stages: [
          { name: 'canary', percent: 5, minDuration: '1h' },
          { name: 'full', percent: 100, minDuration: '1s' },
        ],
      }),
    },
  });
  const config = await readFile(ws.configPath, 'utf8');
  await writeFile(
    ws.configPath,
    config
      .replace('maxRetries: 0 }\nserver', 'maxRetries: 0, tokenEnv: FLOOD_FLIPPER_TOKEN }\nserver')
      .replace('server: { enabled: false }', 'server: { port: 0 }'),
  );
  child = spawn('prlimit', ['--nofile=256:256', process.execPath, CLI, '--config', ws.configPath, 'run'], {
    env: { ...ws.env, FLOOD_FLIPPER_TOKEN: 'flood-token-0123456789' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await Promise.all([dd?.close(), flipper?.close()]);
  await ws?.cleanup();
});

function openSocket(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('connect', () => resolve(s));
    s.on('error', () => resolve(undefined));
    // the server may close a refused one right away: the flood client keeps going
    s.on('close', () => resolve(undefined));
  });
}

describe('an idle-connection flood under a 256 descriptor limit', () => {
  it('keeps checking, fails no check with EMFILE, and answers /healthz after the flood', async () => {
    let url = '';
    await waitFor(
      () => {
        const line = parseLogLines(stderr).find((l) => l.msg === 'http server listening');
        url = typeof line?.url === 'string' ? line.url : '';
        return url !== '';
      },
      20_000,
      () => stderr.slice(-2000),
    );
    const port = Number(new URL(url).port);
    await waitFor(
      async () => checks(await ws.history(NAME)).length >= 2,
      20_000,
      () => stderr.slice(-2000),
    );

    const sockets = (await Promise.all(Array.from({ length: 300 }, () => openSocket(port)))).filter(
      (s): s is Socket => s !== undefined,
    );
    const before = checks(await ws.history(NAME)).length;
    // three more checks (every: 1s) while the flood holds its sockets
    await waitFor(
      async () => checks(await ws.history(NAME)).length >= before + 3,
      20_000,
      () => stderr.slice(-2000),
    );
    const logs = parseLogLines(stderr);
    expect(logs.filter((l) => JSON.stringify(l).includes('EMFILE'))).toEqual([]);
    expect(logs.some((l) => String(l.msg).startsWith('http connections refused'))).toBe(true);
    for (const s of sockets) s.destroy();

    await waitFor(async () => {
      const res = await fetch(`${url}/healthz`).catch(() => undefined);
      return res?.status === 200;
    }, 10_000);
    const record = await ws.record(NAME);
    expect(record?.summary.state).toBe('running');
    expect(child.exitCode).toBeNull();
  }, 60_000);
});
