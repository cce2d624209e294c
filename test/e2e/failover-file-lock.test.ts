import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDatadogSandbox, type DatadogSandbox } from '../../src/sandbox/datadog-server.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import { queriesFor, rolloutYaml } from '../controller/rollout-yaml.js';
import { startRecordingProxy, type RecordingProxy, type WriteLog } from './failover-replicas.js';
import { ControllerProcess, createWorkspace, parseLogLines, waitFor, type Workspace } from './harness.js';
import { writeFile } from 'node:fs/promises';

/*
 * Split brain after a freeze on the file store (issue 11): controller A is
 * SIGSTOPped longer than the lock's stale timeout, controller B takes the
 * stale lock over and acts, A is SIGCONTed — and A makes no toggle write and
 * no check after it wakes: its heartbeat finds the lock taken over, and its
 * held() ran out on the monotonic clock while it was frozen, before any timer
 * of its could run a write. The stale timeout is shortened for the test
 * (STAGEGATE_STATE_LOCK_STALE_MS); each controller writes Flipper through a
 * recording proxy of its own, so every write is attributed.
 */

const STALE_MS = 3_000;
const NAME = 'split-brain';
let dd: DatadogSandbox;
let flipper: FlipperSandbox;
let ws: Workspace;
const log: WriteLog = {
  writes: [],
  next: (() => {
    let n = 0;
    return () => ++n;
  })(),
};
const proxies: RecordingProxy[] = [];
const procs: ControllerProcess[] = [];

async function configFor(slot: number, flipperUrl: string): Promise<string> {
  const path = join(ws.dir, `controller-${slot}.yaml`);
  await writeFile(
    path,
    `rolloutsDir: ${ws.rolloutsDir}
state: { type: file, dir: ${ws.stateDir} }
metrics:
  datadog: { type: datadog, baseUrl: "${dd.url}", timeoutMs: 2000, maxRetries: 0 }
toggles:
  flipper: { type: flipper, baseUrl: "${flipperUrl}", timeoutMs: 2000, maxRetries: 0 }
server: { enabled: false }
log: { level: info }
`,
  );
  return path;
}

beforeAll(async () => {
  dd = await startDatadogSandbox();
  flipper = await startFlipperSandbox();
  const q = queriesFor(NAME);
  dd.setSeries(q.requests, { perSecond: 200 });
  dd.setSeries(q.errors, { perSecond: 1 });
  const stages = Array.from({ length: 40 }, (_, i) => ({
    name: `s${i + 1}`,
    percent: i + 1,
    minDuration: '1s',
  }));
  ws = await createWorkspace({
    datadogUrl: dd.url,
    flipperUrl: flipper.url,
    flipper,
    rollouts: { [NAME]: rolloutYaml({ name: NAME, stages, window: '2s' }) },
  });
  for (const slot of [0, 1]) proxies.push(await startRecordingProxy(flipper.url, slot, log));
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all([dd?.close(), flipper?.close()]);
  await ws?.cleanup();
});

function start(slot: number, configPath: string): ControllerProcess {
  const proc = new ControllerProcess({ ...ws, configPath }, [], {
    STAGEGATE_STATE_LOCK_STALE_MS: String(STALE_MS),
  });
  procs.push(proc);
  return proc;
}

describe('a file-store controller frozen past the lock stale timeout', () => {
  it(
    'stops acting when it wakes: no toggle write, no check after the takeover',
    { timeout: 120_000 },
    async () => {
      const a = start(0, await configFor(0, proxies[0]?.url ?? ''));
      await a.waitForLog((l) => l.msg === 'controller started', 30_000);
      await waitFor(
        () => log.writes.some((w) => w.slot === 0 && w.percent > 0),
        30_000,
        () => 'A never wrote',
      );

      a.child.kill('SIGSTOP');
      // until nobody has touched the lock for the stale timeout, B would be refused (exit 3)
      const lockFile = join(ws.stateDir, 'controller.lock');
      await waitFor(async () => Date.now() - (await stat(lockFile)).mtimeMs > STALE_MS + 200, 30_000);
      const b = start(1, await configFor(1, proxies[1]?.url ?? ''));
      await b.waitForLog((l) => l.msg === 'took over stale state lock', 30_000);
      await b.waitForLog((l) => l.msg === 'controller started', 30_000);
      const wokeAt = log.next();
      const aLinesBefore = a.stderr.length;

      a.child.kill('SIGCONT');
      await a.waitForLog(
        (l) => l.msg === 'state lock taken over by another controller: acting stops',
        30_000,
      );
      // B keeps acting: wait for two more of its writes, long enough for every timer of A to have fired
      const bWrites = () => log.writes.filter((w) => w.slot === 1 && w.seq > wokeAt).length;
      await waitFor(
        () => bWrites() >= 2,
        60_000,
        () => 'B did not write after the takeover',
      );

      const late = log.writes.filter((w) => w.slot === 0 && w.seq > wokeAt && w.percent > 0);
      expect(late).toEqual([]);
      const aAfter = parseLogLines(a.stderr.slice(aLinesBefore));
      expect(aAfter.filter((l) => l.msg === 'check')).toEqual([]);
      // and A did act before the freeze: the test can tell a silent A from a stopped one
      expect(parseLogLines(a.stderr.slice(0, aLinesBefore)).some((l) => l.msg === 'check')).toBe(true);
      expect(a.child.exitCode).toBeNull();
    },
  );
});
