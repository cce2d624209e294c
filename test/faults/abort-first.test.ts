import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { createController, type Controller } from '../../src/controller/controller.js';
import { createWiring } from '../../src/controller/wiring.js';
import { silentLogger } from '../../src/log.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';
import { createWorkspace, DD_API_KEY, runCli, waitFor, type Workspace } from '../e2e/harness.js';

/*
 * Issue 11 items 2b and 4: an operator abort turns the toggle off itself.
 *   - behind a Datadog that never answers, a running controller's abort
 *     cancels the check in flight and the toggle-off lands while the hung
 *     query is still unanswered (order, not milliseconds);
 *   - with no controller running, `stagegate abort` writes the toggle off
 *     and records it, and promises nothing about a controller.
 */

let flipper: FlipperSandbox;
let hung: Server;
let hungUrl: string;
/** every Datadog request received and never answered, in order */
let held: ServerResponse[];
/** what happened, in order: `datadog query received`, `flipper write`, `datadog request closed` */
let events: string[];
let ws: Workspace | undefined;
let controller: Controller | undefined;

const FEATURE = 'hung_dd_enabled';

beforeEach(async () => {
  events = [];
  held = [];
  flipper = await startFlipperSandbox({});
  // rollouts write only features that exist (toggle.create is false)
  flipper.setFeature(FEATURE, { percentageOfActors: 0 });
  hung = createServer((req: IncomingMessage, res: ServerResponse) => {
    events.push('datadog query received');
    held.push(res);
    // never answered: a close is the client giving up (the check's signal reaching the socket)
    res.on('close', () => events.push(res.writableEnded ? 'datadog answered' : 'datadog request closed'));
  });
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  for (const res of held) res.destroy();
  await new Promise((r) => hung.close(r));
  await flipper.close();
  await ws?.cleanup();
  ws = undefined;
});

function flipperPercent(): number {
  const gate = flipper.feature(FEATURE)?.gates.find((g) => g.key === 'percentage_of_actors');
  return typeof gate?.value === 'string' ? Number(gate.value) : 0;
}

function flipperWrites(): number {
  return flipper.requests.filter((r) => r.method !== 'GET').length;
}

const stages = [
  { name: 'canary', percent: 5, minDuration: '10m' },
  { name: 'full', percent: 100, minDuration: '1s' },
];

describe('an operator abort behind a Datadog query that never returns', () => {
  it('cancels the check in flight: the toggle is off while the query is still unanswered', async () => {
    ws = await createWorkspace({
      datadogUrl: hungUrl,
      flipperUrl: flipper.url,
      rollouts: { 'hung-dd': rolloutYaml({ name: 'hung-dd', stages, every: '1s' }) },
    });
    // the query would hang for a minute: far past the 1 s an abort must take
    const text = await readFile(ws.configPath, 'utf8');
    await writeFile(
      ws.configPath,
      text.replace('timeoutMs: 2000, maxRetries: 0 }\ntoggles', 'timeoutMs: 60000, maxRetries: 0 }\ntoggles'),
    );
    const config = await loadConfig(ws.configPath, ws.env);
    expect(config.metrics.datadog).toMatchObject({ timeoutMs: 60_000 });
    const wiring = createWiring(config, { env: ws.env, logger: silentLogger() });
    controller = createController({ wiring, logger: silentLogger(), pollMs: 100 });
    await controller.start();
    // the first check starts the rollout (no metrics needed), the next one hangs on Datadog
    await waitFor(
      () => flipperPercent() === 5 && held.length > 0,
      20_000,
      () => events.join(', '),
    );
    const writesBefore = flipperWrites();
    expect(new Set(events)).toEqual(new Set(['datadog query received']));

    const flipperWrite = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (flipperWrites() > writesBefore) {
          events.push('flipper write');
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    const result = await controller.command('hung-dd', 'abort', { by: 'oncall', reason: 'hung datadog' });
    await flipperWrite;
    expect(result.accepted).toBe(true);
    expect(result.summary.state).toBe('rolled_back');
    expect(flipperPercent()).toBe(0);
    // the order that matters: the toggle went off and Datadog has still answered nothing
    expect(events).toContain('flipper write');
    expect(events).not.toContain('datadog answered');
    expect(held.every((res) => !res.writableEnded)).toBe(true);
    // and the cancellation reached the socket: the client closed the hung request itself
    await waitFor(
      () => events.includes('datadog request closed'),
      10_000,
      () => events.join(', '),
    );
    // recorded after the write, with who and why
    const history = await ws.history('hung-dd');
    const types = history.map((e) => e.type);
    expect(types.indexOf('command')).toBeLessThan(types.lastIndexOf('toggle-result'));
    expect(history.filter((e) => e.type === 'toggle-result').at(-1)).toMatchObject({ ok: true, percent: 0 });
    expect(JSON.stringify(history)).not.toContain(DD_API_KEY);
  }, 40_000);
});

describe('`stagegate abort` with no controller running', () => {
  it('writes the toggle off itself, records it, and promises no controller', async () => {
    ws = await createWorkspace({
      datadogUrl: hungUrl,
      flipperUrl: flipper.url,
      rollouts: { 'hung-dd': rolloutYaml({ name: 'hung-dd', stages }) },
    });
    // one pass starts the rollout (the canary write needs no metrics), then nothing runs
    const once = await runCli(ws, ['run', '--once']);
    expect(once.code, once.stderr).toBe(0);
    expect(flipperPercent()).toBe(5);

    const aborted = await runCli(ws, ['abort', 'hung-dd', '--by', 'oncall', '--reason', 'bad deploy']);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(flipperPercent()).toBe(0);
    expect(aborted.stdout).toMatch(/^abort accepted for hung-dd; now rolled_back .*toggle written\n$/);
    expect(aborted.stdout + aborted.stderr).not.toMatch(/within a second|no controller holds/);
    const rec = await ws.record('hung-dd');
    expect(rec?.summary.state).toBe('rolled_back');
    expect(rec?.intent).toBeNull();
    const history = await ws.history('hung-dd');
    expect(history.filter((e) => e.type === 'command').at(-1)).toMatchObject({
      command: 'abort',
      by: 'oncall',
      reason: 'bad deploy',
      accepted: true,
    });
    expect(history.filter((e) => e.type === 'toggle-result').at(-1)).toMatchObject({ ok: true, percent: 0 });
  }, 40_000);
});

describe('`--by` with a control character', () => {
  it.each([
    ['a newline (forges a report line)', 'oncall\n- approved by cto'],
    ['an escape sequence', 'oncall\u001b[2J'],
    ['a right-to-left override', 'oncall\u202e'],
  ])('%s: refused before anything is written (exit 2, one stagegate: line)', async (_what, by) => {
    ws = await createWorkspace({
      datadogUrl: hungUrl,
      flipperUrl: flipper.url,
      rollouts: { 'hung-dd': rolloutYaml({ name: 'hung-dd', stages }) },
    });
    const res = await runCli(ws, ['abort', 'hung-dd', '--by', by]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^stagegate: invalid by: must be one line of printable text/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(flipperWrites()).toBe(0);
    expect(await ws.history('hung-dd')).toEqual([]);
  });
});
