import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HistoryEntry, RolloutRecord } from '../../src/ports/state-store.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { parse as parseYaml } from 'yaml';
import type { FlipperSandbox } from '../../src/sandbox/flipper-server.js';

/*
 * End-to-end plumbing: a temp workspace (config, rollouts dir, state dir)
 * pointing at the sandbox servers, the built CLI (dist/cli/main.js, built by
 * `npm test` first) spawned as a child process, its JSON log lines parsed.
 */

export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

/** dummy keys: the tests assert they never appear in any output */
export const DD_API_KEY = 'e2e-dd-api-key-0123456789abcdef';
export const DD_APP_KEY = 'e2e-dd-app-key-fedcba9876543210';

export interface Workspace {
  readonly dir: string;
  readonly configPath: string;
  readonly rolloutsDir: string;
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
  writeRollout(name: string, yaml: string): Promise<void>;
  store(): FileStateStore;
  record(name: string): Promise<RolloutRecord | undefined>;
  history(name: string): Promise<HistoryEntry[]>;
  cleanup(): Promise<void>;
}

export interface WorkspaceOptions {
  readonly datadogUrl: string;
  readonly flipperUrl: string;
  readonly rollouts?: Readonly<Record<string, string>>;
  readonly logLevel?: string;
  /**
   * the Flipper sandbox to declare each written rollout's feature in (as
   * features.yml + `rake features:setup` do): stagegate never creates a feature
   */
  readonly flipper?: Pick<FlipperSandbox, 'setFeature' | 'feature'>;
}

export async function createWorkspace(opts: WorkspaceOptions): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-e2e-'));
  const rolloutsDir = join(dir, 'rollouts');
  const stateDir = join(dir, 'state');
  await mkdir(rolloutsDir);
  const configPath = join(dir, 'stagegate.yaml');
  await writeFile(
    configPath,
    `rolloutsDir: ${rolloutsDir}
state: { type: file, dir: ${stateDir} }
metrics:
  datadog: { type: datadog, baseUrl: "${opts.datadogUrl}", timeoutMs: 2000, maxRetries: 0 }
toggles:
  flipper: { type: flipper, baseUrl: "${opts.flipperUrl}", timeoutMs: 2000, maxRetries: 0 }
server: { enabled: false }
log: { level: ${opts.logLevel ?? 'info'} }
`,
  );
  const writeRollout = async (name: string, yaml: string): Promise<void> => {
    const feature = featureOf(yaml);
    if (opts.flipper && feature !== null && opts.flipper.feature(feature) === undefined)
      opts.flipper.setFeature(feature, {});
    await writeFile(join(rolloutsDir, `${name}.yaml`), yaml);
  };
  for (const [name, yaml] of Object.entries(opts.rollouts ?? {})) await writeRollout(name, yaml);
  const store = () => new FileStateStore({ dir: stateDir });
  return {
    dir,
    configPath,
    rolloutsDir,
    stateDir,
    env: { ...process.env, DD_API_KEY, DD_APP_KEY, STAGEGATE_CONFIG: configPath },
    writeRollout,
    store,
    record: (name) => store().load(name),
    history: (name) => store().history(name),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function featureOf(yaml: string): string | null {
  try {
    const doc = parseYaml(yaml) as { toggle?: { feature?: unknown } } | null;
    return typeof doc?.toggle?.feature === 'string' ? doc.toggle.feature : null;
  } catch {
    return null; // a test writing a broken file on purpose
  }
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  ws: Workspace,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, '--config', ws.configPath, ...args], {
      env: { ...ws.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number; rollout?: string };

export function parseLogLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // a torn last line of a killed process
    }
  }
  return out;
}

/** A `stagegate run` child process with its output collected. */
export class ControllerProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(ws: Workspace, args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [CLI, '--config', ws.configPath, 'run', ...args], {
      env: { ...ws.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => this.child.on('exit', (code, signal) => r({ code, signal })));
  }

  logs(): LogLine[] {
    return parseLogLines(this.stderr);
  }

  async waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    let found: LogLine | undefined;
    await waitFor(
      () => {
        found = this.logs().find(pred);
        return found !== undefined;
      },
      timeoutMs,
      () => `no matching log line; last lines:\n${this.stderr.split('\n').slice(-15).join('\n')}`,
    );
    return found as LogLine;
  }

  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export async function waitFor(
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  describe: () => string = () => 'condition not met',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function checks(history: readonly HistoryEntry[]): Extract<HistoryEntry, { type: 'check' }>[] {
  return history.filter((e): e is Extract<HistoryEntry, { type: 'check' }> => e.type === 'check');
}
