import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/*
 * The real thing for the browser tests and `npm run screenshot`: the built
 * CLI's `stagegate sandbox` and `stagegate run` (API and status page on a
 * free port) as child processes, with two rollouts on second-scale checks.
 */

export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');
export const API_TOKEN = 'browser-test-token-0123456789';

export function rolloutYaml(name: string, minDuration: string): string {
  const metric = name.replace(/-/g, '_');
  return `name: ${name}
description: "Browser test rollout ${name}"
toggle: { provider: flipper, feature: ${metric}_enabled, gate: percentage_of_actors, onRollback: zero, create: true }
start: immediately
check: { every: 1s, timezone: UTC }
stages:
  - { name: canary, percent: 5, minDuration: ${minDuration}, minSamples: 50 }
  - { name: stage-b, percent: 50, minDuration: ${minDuration} }
  - { name: stage-c, percent: 100, minDuration: ${minDuration} }
samples: requests
metrics:
  requests:
    datadog: { query: "sum:${metric}.requests{env:sandbox}.as_count()", aggregator: sum }
    window: stage
  error_rate:
    datadog:
      numerator: "sum:${metric}.errors{env:sandbox}.as_count()"
      denominator: "sum:${metric}.requests{env:sandbox}.as_count()"
    window: 5s
criteria:
  advance: [error_rate < 5%]
  rollback: [error_rate > 10% for 2 checks]
policy: { noData: hold, maxConsecutiveErrors: 3, confidence: 0.95 }
`;
}

export interface Stack {
  readonly url: string;
  readonly controlUrl: string;
  readonly dir: string;
  /** the controller alone (the page's server goes with it) */
  stopController(): Promise<void>;
  stop(): Promise<void>;
}

function waitForOutput(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  re: RegExp,
  ms: number,
): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms:\n${text.slice(-2000)}`)), ms);
    child[stream]?.on('data', (d: Buffer) => {
      text += d.toString();
      const m = re.exec(text);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before ${re}:\n${text.slice(-2000)}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function startStack(rollouts: Readonly<Record<string, string>>): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-browser-'));
  const rolloutsDir = join(dir, 'rollouts');
  await mkdir(rolloutsDir);
  for (const [name, yaml] of Object.entries(rollouts))
    await writeFile(join(rolloutsDir, `${name}.yaml`), yaml);

  const sandbox = spawn(process.execPath, [CLI, 'sandbox', '--rollouts', rolloutsDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = await waitForOutput(sandbox, 'stdout', /control\s+(\S+)[\s\S]*sandbox ready/, 20_000);
  const controlUrl = ready[1] as string;
  const state = (await (await fetch(controlUrl)).json()) as { datadog: string; flipper: string };

  const configPath = join(dir, 'stagegate.yaml');
  await writeFile(
    configPath,
    `rolloutsDir: ${rolloutsDir}
state: { type: file, dir: ${join(dir, 'state')} }
metrics:
  datadog: { type: datadog, baseUrl: "${state.datadog}", timeoutMs: 3000 }
toggles:
  flipper: { type: flipper, baseUrl: "${state.flipper}", timeoutMs: 3000 }
server: { host: 127.0.0.1, port: 0, tokenEnv: STAGEGATE_API_TOKEN }
log: { level: info }
`,
  );
  const controller = spawn(process.execPath, [CLI, '--config', configPath, 'run'], {
    env: {
      ...process.env,
      DD_API_KEY: 'sandbox-dd-api-key',
      DD_APP_KEY: 'sandbox-dd-app-key',
      STAGEGATE_API_TOKEN: API_TOKEN,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let url: string;
  try {
    const listening = await waitForOutput(
      controller,
      'stderr',
      /"url":"(http:[^"]+)"[^\n]*http server listening/,
      20_000,
    );
    url = listening[1] as string;
  } catch (err) {
    await stopChild(sandbox);
    throw err;
  }
  return {
    url,
    controlUrl,
    dir,
    stopController: () => stopChild(controller),
    stop: async () => {
      await stopChild(controller);
      await stopChild(sandbox);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
