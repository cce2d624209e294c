import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutYaml } from '../../browser/stack.js';
import { CLI } from '../../e2e/harness.js';

/*
 * `stagegate sandbox` end to end: the built CLI starts the servers and prints
 * the config; `stagegate query` (the real Datadog client) measures what the
 * sandbox serves; the switches, sent by `stagegate sandbox <switch>` and by
 * plain HTTP, change what the next query sees, and heal undoes them.
 */

let dir: string;
let sandbox: ChildProcess;
let control: string;
let output = '';
const configPath = () => join(dir, 'stagegate.yaml');
const rolloutPath = () => join(dir, 'rollouts', 'gamma.yaml');

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, DD_API_KEY: 'sandbox-dd-api-key', DD_APP_KEY: 'sandbox-dd-app-key', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const query = () => cli(['--config', configPath(), 'query', rolloutPath()]);
const breachLine = (text: string) =>
  text.split('\n').find((l) => l.includes('error_rate > 10% for 2 checks')) ?? '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stagegate-sandbox-cli-'));
  mkdirSync(join(dir, 'rollouts'));
  writeFileSync(rolloutPath(), rolloutYaml('gamma', '1h'));
  sandbox = spawn(process.execPath, [CLI, 'sandbox', '--rollouts', join(dir, 'rollouts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  sandbox.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  sandbox.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!output.includes('sandbox ready')) {
    if (Date.now() > deadline || sandbox.exitCode !== null)
      throw new Error(`sandbox did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  control = /export STAGEGATE_SANDBOX=(\S+)/.exec(output)?.[1] as string;
  // the printed config, as a user would paste it
  const printed = output.slice(
    output.indexOf('metrics:'),
    output.indexOf('\n\n', output.indexOf('metrics:')),
  );
  writeFileSync(
    configPath(),
    `rolloutsDir: ${join(dir, 'rollouts')}\nstate: { type: file, dir: ${join(dir, 'state')} }\n`,
  );
  appendFileSync(configPath(), `${printed}\n`);
});

afterAll(async () => {
  if (sandbox && sandbox.exitCode === null) {
    const exited = new Promise((r) => sandbox.once('exit', r));
    sandbox.kill('SIGINT');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('stagegate sandbox', () => {
  it('prints where its servers are and the config to use', () => {
    expect(output).toContain('traffic for gamma');
    expect(output).toMatch(/datadog: \{ type: datadog, baseUrl: "http:\/\/127\.0\.0\.1:\d+"/);
    expect(output).toMatch(/flipper: \{ type: flipper, baseUrl: "http:\/\/127\.0\.0\.1:\d+\/flipper\/api"/);
    expect(control).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves healthy traffic, then a breach, an outage and drift on demand, and heals', async () => {
    const healthy = await query();
    expect(healthy.code).toBe(0);
    expect(breachLine(healthy.stdout)).toMatch(/\bok\b/);

    const breach = await cli(['sandbox', 'breach', 'gamma', '--control', control]);
    expect(breach).toMatchObject({ code: 0, stdout: "breach: gamma's rollback criteria now fail\n" });
    expect(breachLine((await query()).stdout)).toMatch(/\bbreach\b/);

    const outage = await cli(['sandbox', 'outage'], { STAGEGATE_SANDBOX: control });
    expect(outage.code).toBe(0);
    expect((await query()).stderr).toContain('HTTP 503');

    const drift = await fetch(`${control}/drift/gamma_enabled/40`, { method: 'POST' });
    expect(drift.status).toBe(200);
    const state = (await (await fetch(control)).json()) as {
      flipper: string;
      breached: string[];
      outage: boolean;
    };
    expect(state).toMatchObject({ breached: ['gamma'], outage: true });
    const feature = (await (await fetch(`${state.flipper}/features/gamma_enabled`)).json()) as {
      gates: { key: string; value: string | null }[];
    };
    expect(feature.gates.find((g) => g.key === 'percentage_of_actors')?.value).toBe('40');

    expect((await cli(['sandbox', 'heal', '--control', control])).code).toBe(0);
    const healed = await query();
    expect(healed.stderr).not.toContain('503');
    expect(breachLine(healed.stdout)).toMatch(/\bok\b/);
  }, 90_000);

  it('refuses an unknown switch or rollout with one line and exit 2', async () => {
    const unknown = await cli(['sandbox', 'explode', '--control', control]);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: 'stagegate: unknown sandbox switch "explode": breach, outage, drift, heal\n',
    });
    const rollout = await cli(['sandbox', 'breach', 'nope', '--control', control]);
    expect(rollout.code).toBe(2);
    expect(rollout.stderr).toBe(
      'stagegate: sandbox refused breach: no rollout named "nope" in the sandbox (gamma)\n',
    );
    const nowhere = await cli(['sandbox', 'heal'], { STAGEGATE_SANDBOX: '' });
    expect(nowhere.stderr).toContain('no sandbox to talk to');
  });
});
