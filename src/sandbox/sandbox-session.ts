import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rollout } from '../rollout/types.js';
import { startDatadogSandbox, type DatadogSandbox } from './datadog-server.js';
import { startFlipperSandbox, type FlipperSandbox } from './flipper-server.js';
import { seriesForMetric, type Health } from './sandbox-traffic.js';

/*
 * `stagegate sandbox`: the Datadog- and Flipper-compatible servers with
 * traffic for the given rollouts, and a control endpoint for the switches:
 *
 *   GET  /                         what is on: { datadog, flipper, breached, outage }
 *   POST /breach/<rollout>         that rollout's rollback criteria break from now on
 *   POST /outage                   Datadog answers 503 until heal
 *   POST /drift/<feature>/<pct>    someone sets the feature's percentage by hand
 *   POST /heal                     healthy again: no breach, no outage
 *
 * Every server binds 127.0.0.1 (nothing here is fit for a network).
 */

export const SWITCHES = ['breach', 'outage', 'drift', 'heal'] as const;
export type SwitchName = (typeof SWITCHES)[number];

export interface SandboxSessionOptions {
  readonly rollouts: readonly Rollout[];
  readonly datadogPort?: number;
  readonly flipperPort?: number;
  readonly controlPort?: number;
}

export interface SandboxSession {
  readonly datadog: DatadogSandbox;
  readonly flipper: FlipperSandbox;
  readonly controlUrl: string;
  /** applies a switch; the text says what changed, or throws SandboxSwitchError */
  apply(name: string, args: readonly string[]): string;
  state(): { breached: string[]; outage: boolean; datadog: string; flipper: string };
  close(): Promise<void>;
}

export class SandboxSwitchError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A whole config file for trying rollouts against the sandbox (`sandbox --write-config`). */
export function sandboxConfigFile(
  session: Pick<SandboxSession, 'datadog' | 'flipper'>,
  rolloutsDir: string,
): string {
  return `# written by \`stagegate sandbox --write-config\`: the sandbox's ports change on every start
rolloutsDir: ${JSON.stringify(rolloutsDir)}
state: { type: file, dir: .stagegate-sandbox }
${sandboxConfig(session)}server: { host: 127.0.0.1, port: 8080, tokenEnv: STAGEGATE_API_TOKEN }
log: { level: info }
`;
}

/** The config that points stagegate at the sandbox. */
export function sandboxConfig(session: Pick<SandboxSession, 'datadog' | 'flipper'>): string {
  return `metrics:
  datadog: { type: datadog, baseUrl: "${session.datadog.url}", timeoutMs: 3000 }
toggles:
  flipper: { type: flipper, baseUrl: "${session.flipper.url}", timeoutMs: 3000 }
`;
}

export async function startSandboxSession(opts: SandboxSessionOptions): Promise<SandboxSession> {
  const datadog = await startDatadogSandbox({ port: opts.datadogPort ?? 0 });
  // the rollouts' features exist from the start, as vets-api's features.yml declares them:
  // stagegate never creates a feature, so an undeclared one would keep its rollout pending
  const flipper = await startFlipperSandbox({
    port: opts.flipperPort ?? 0,
    features: opts.rollouts.map((r) => r.toggle.feature),
  });
  const breached = new Set<string>();
  let outage = false;

  const percentOf = (feature: string) => (): number => {
    const gate = flipper.feature(feature)?.gates.find((g) => g.key === 'percentage_of_actors');
    return typeof gate?.value === 'string' ? Number(gate.value) : 0;
  };
  const drive = (rollout: Rollout): void => {
    const health: Health = breached.has(rollout.name) ? 'breached' : 'healthy';
    for (const metric of Object.values(rollout.metrics))
      for (const s of seriesForMetric(metric, rollout, health, percentOf(rollout.toggle.feature)))
        datadog.setSeries(s.key, s.spec);
  };
  for (const rollout of opts.rollouts) drive(rollout);

  const apply = (name: string, args: readonly string[]): string => {
    switch (name) {
      case 'breach': {
        const rollout = opts.rollouts.find((r) => r.name === args[0]);
        if (!rollout)
          throw new SandboxSwitchError(
            `no rollout named "${args[0] ?? ''}" in the sandbox (${opts.rollouts.map((r) => r.name).join(', ') || 'none loaded'})`,
            404,
          );
        breached.add(rollout.name);
        drive(rollout);
        return `breach: ${rollout.name}'s rollback criteria now fail`;
      }
      case 'outage':
        outage = true;
        datadog.injectFault({ status: 503, errors: ['sandbox outage'] });
        return 'outage: Datadog answers 503 until heal';
      case 'drift': {
        const [feature, pct] = args;
        const percent = Number(pct);
        if (!feature || !Number.isFinite(percent) || percent < 0 || percent > 100)
          throw new SandboxSwitchError('drift needs <feature> <percent 0-100>', 400);
        flipper.setFeature(feature, { percentageOfActors: percent });
        return `drift: ${feature} set to ${percent}% by hand`;
      }
      case 'heal':
        breached.clear();
        outage = false;
        datadog.clearFaults();
        for (const rollout of opts.rollouts) drive(rollout);
        return 'heal: every rollout healthy, Datadog answering';
      default:
        throw new SandboxSwitchError(`unknown switch "${name}": ${SWITCHES.join(', ')}`, 404);
    }
  };
  const state = () => ({ breached: [...breached], outage, datadog: datadog.url, flipper: flipper.url });

  const control = createServer((req, res) => handle(req, res, apply, state));
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(opts.controlPort ?? 0, '127.0.0.1', resolve);
  });
  const port = (control.address() as AddressInfo).port;
  return {
    datadog,
    flipper,
    controlUrl: `http://127.0.0.1:${port}`,
    apply,
    state,
    close: async () => {
      await new Promise<void>((resolve) => control.close(() => resolve()));
      await Promise.all([datadog.close(), flipper.close()]);
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

function handle(
  req: IncomingMessage,
  res: ServerResponse,
  apply: SandboxSession['apply'],
  state: SandboxSession['state'],
): void {
  req.resume();
  const parts = (req.url ?? '/').split('?')[0]?.split('/').filter(Boolean).map(decodeURIComponent) ?? [];
  if (req.method === 'GET' && parts.length === 0) return send(res, 200, state());
  if (req.method !== 'POST' || parts.length === 0)
    return send(res, 404, { error: { message: `POST /<switch>: ${SWITCHES.join(', ')}` } });
  try {
    const [name, ...args] = parts;
    send(res, 200, { message: apply(name as string, args), ...state() });
  } catch (err) {
    const status = err instanceof SandboxSwitchError ? err.status : 500;
    send(res, status, { error: { message: err instanceof Error ? err.message : String(err) } });
  }
}
