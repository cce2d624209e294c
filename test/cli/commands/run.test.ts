import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { register } from '../../../src/cli/commands/run.js';
import { startDatadogSandbox, type DatadogSandbox } from '../../../src/sandbox/datadog-server.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../../src/sandbox/flipper-server.js';
import { FileStateStore } from '../../../src/store/file-store.js';
import { queriesFor, rolloutYaml } from '../../controller/rollout-yaml.js';
import { failure as failureOf } from '../../stagegate-error.js';

/* `stagegate run --once` in-process against the Datadog and Flipper sandboxes (the long-running mode is e2e). */

const KEYS = { DD_API_KEY: 'run-test-api-key-0123456789', DD_APP_KEY: 'run-test-app-key-9876543210' };

let datadog: DatadogSandbox;
let flipper: FlipperSandbox;
let dir: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  datadog = await startDatadogSandbox();
  flipper = await startFlipperSandbox({ features: ['ebg_enabled'] });
  const q = queriesFor('ebg');
  datadog.setSeries(q.requests, { perSecond: 10 });
  datadog.setSeries(q.errors, { perSecond: 0 });
});
afterAll(async () => {
  await Promise.all([datadog.close(), flipper.close()]);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagegate-run-'));
  mkdirSync(join(dir, 'rollouts'));
  writeFileSync(
    join(dir, 'stagegate.yaml'),
    `rolloutsDir: ${join(dir, 'rollouts')}
state: { type: file, dir: ${join(dir, 'state')} }
metrics:
  datadog: { type: datadog, baseUrl: "${datadog.url}", timeoutMs: 2000, maxRetries: 0 }
toggles:
  flipper: { type: flipper, baseUrl: "${flipper.url}", timeoutMs: 2000, maxRetries: 0 }
server: { enabled: false }
log: { level: fatal }
`,
  );
  for (const k of Object.keys(KEYS)) saved[k] = process.env[k];
  Object.assign(process.env, KEYS);
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<void> {
  const program = new Command('stagegate').option('--config <file>').exitOverride();
  register(program);
  await program.parseAsync(['node', 'stagegate', '--config', join(dir, 'stagegate.yaml'), 'run', ...args]);
}

const failure = (...args: string[]) => failureOf(run(...args));

describe('stagegate run --once', () => {
  it('checks every rollout once: the first stage is written to the toggle and recorded', async () => {
    writeFileSync(join(dir, 'rollouts', 'ebg.yaml'), rolloutYaml({ name: 'ebg' }));
    await run('--once');
    const rec = await new FileStateStore({ dir: join(dir, 'state') }).load('ebg');
    expect(rec?.summary).toMatchObject({ state: 'running', stage: 'canary', percent: 5 });
    const gate = flipper.feature('ebg_enabled')?.gates.find((g) => g.key === 'percentage_of_actors');
    expect(gate?.value).toBe('5');
  });

  it('an invalid rollout file makes the pass incomplete (E_SPEC_INVALID, exit 1)', async () => {
    writeFileSync(join(dir, 'rollouts', 'bad.yaml'), 'name: bad\nstages: [');
    const e = await failure('--once');
    expect(e.code).toBe('E_SPEC_INVALID');
    expect(e.message).toBe('pass incomplete: 0 check(s) failed, 1 problem(s) in rollout files');
  });

  it('names every missing environment variable at once, before building any provider', async () => {
    delete process.env.DD_API_KEY;
    delete process.env.DD_APP_KEY;
    writeFileSync(join(dir, 'rollouts', 'ebg.yaml'), rolloutYaml({ name: 'ebg' }));
    const before = datadog.requestCount;
    flipper.clearRequests();
    const e = await failure('--once');
    expect(e.code).toBe('E_CONFIG_INVALID');
    expect(e.message).toMatch(
      /stagegate\.yaml: missing environment variables: DD_API_KEY \(metrics\.datadog\), DD_APP_KEY \(metrics\.datadog\)$/,
    );
    expect(datadog.requestCount).toBe(before);
    expect(flipper.requests).toHaveLength(0);
  });
});
