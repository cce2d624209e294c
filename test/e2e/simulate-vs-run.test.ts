import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDatadogSandbox, type DatadogSandbox } from '../../src/sandbox/datadog-server.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import { queriesFor, rolloutYaml } from '../controller/rollout-yaml.js';
import { checks, ControllerProcess, createWorkspace, runCli, waitFor } from './harness.js';

/*
 * What `simulate` shows is what `run` does (DESIGN.md §4): the same rollout
 * (second-scale stages) and the same traffic, once through `stagegate run`
 * against the sandboxes in real time and once through `stagegate simulate`
 * against a series of the same rates in virtual time, give the same decisions
 * and end in the same state.
 */

let dd: DatadogSandbox;
let flipper: FlipperSandbox;
beforeAll(async () => {
  dd = await startDatadogSandbox();
  flipper = await startFlipperSandbox();
});
afterAll(async () => {
  await Promise.all([dd?.close(), flipper?.close()]);
});

/** one row per second per metric, at the rates the Datadog sandbox serves */
function seriesCsv(requestsPerSecond: number, errorsPerSecond: number, seconds: number): string {
  const rows = ['time,metric,value,numerator,denominator,status,message'];
  for (let i = 0; i < seconds; i++) {
    rows.push(`+${i}s,requests,${requestsPerSecond},,,,`);
    rows.push(`+${i}s,error_rate,,${errorsPerSecond},${requestsPerSecond},,`);
  }
  return `${rows.join('\n')}\n`;
}

const FINISHED = new Set(['completed', 'rolled_back']);

describe('simulate and run', () => {
  it.each([
    ['sim-run-healthy', 1, 'completed'],
    ['sim-run-breach', 40, 'rolled_back'],
  ])(
    '%s (%d errors per 100 requests): the same decisions in both, ending %s',
    async (name, errorsPerSecond, ending) => {
      const q = queriesFor(name);
      dd.setSeries(q.requests, { perSecond: 100 });
      dd.setSeries(q.errors, { perSecond: errorsPerSecond });
      const yaml = rolloutYaml({ name });
      const ws = await createWorkspace({
        datadogUrl: dd.url,
        flipperUrl: flipper.url,
        flipper,
        rollouts: { [name]: yaml },
      });
      try {
        const controller = new ControllerProcess(ws);
        await waitFor(async () => FINISHED.has((await ws.record(name))?.summary.state ?? ''), 60_000);
        await controller.stop();
        const history = await ws.history(name);
        const ran = checks(history)
          .map((c) => c.detail.decision?.action)
          .filter((a) => a !== undefined && a !== 'hold');
        const record = await ws.record(name);

        const series = join(ws.dir, 'series.csv');
        await writeFile(series, seriesCsv(100, errorsPerSecond, 120));
        const sim = await runCli(ws, [
          'simulate',
          join(ws.rolloutsDir, `${name}.yaml`),
          '--metrics',
          series,
          '--json',
        ]);
        expect(sim.code).toBe(0);
        const out = JSON.parse(sim.stdout) as {
          final: { state: string; stage: string | null; percent: number };
          timeline: { decision: string }[];
        };
        const simulated = out.timeline.map((e) => e.decision).filter((a) => a !== 'hold' && a !== 'none');

        expect(simulated).toEqual(ran);
        expect(ran.at(-1)).toBe(ending === 'completed' ? 'complete' : 'rollback');
        expect(out.final).toMatchObject({
          state: record?.summary.state,
          stage: record?.summary.stage,
          percent: record?.summary.percent,
        });
        expect(out.final.state).toBe(ending);
      } finally {
        await ws.cleanup();
      }
    },
    90_000,
  );
});
