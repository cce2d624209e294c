import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatStatusTable, statusRows } from '../controller/status-view.js';
import type { StateStore } from '../ports/state-store.js';
import { loadRolloutsDir } from '../rollout/loader.js';
import { FileStateStore } from '../store/file-store.js';
import { startDatadogSandbox } from './datadog-server.js';
import { startFlipperSandbox } from './flipper-server.js';
import { listeningUrl, untilSignal } from './demo-keep.js';
import { FAILING, HEALTHY, PercentTimeline, driveSeries, feature, rolloutYaml } from './demo-scenario.js';
import { rel, timelineLines } from './demo-timeline.js';

/*
 * `npm run demo`: the real controller (`stagegate run`, the real Datadog
 * client, real HTTP) against the two sandboxes on free loopback ports, with
 * two rollouts on second-scale stages:
 *   - demo-checkout-redesign stays healthy: canary → 25% → 50% → 100%, completed;
 *   - demo-email-notifications starts failing once it reaches 50% of users
 *     and is rolled back (the toggle goes to 0%).
 * Traffic and errors are functions of time AND of the toggle's percentage at
 * that time (the percentages are followed on the Flipper sandbox), so the
 * failure appears because the controller raised the toggle, as it would.
 * Prints a timeline from the state store's history and where state and logs
 * are; exits 0 only when both outcomes happened, in under two minutes.
 * `--keep` (`npm run demo -- --keep`): the controller also serves the API and
 * the status page, and everything keeps running after the outcomes, for
 * exploration, until Ctrl-C.
 */

const TIMEOUT_MS = 100_000;
const CLI = resolve(import.meta.dirname, '../cli/main.js');

async function finished(store: StateStore): Promise<boolean> {
  const records = await store.list();
  const state = (n: string) => records.find((r) => r.name === n)?.summary.state;
  return (
    ['completed', 'rolled_back'].includes(state(HEALTHY) ?? '') &&
    ['completed', 'rolled_back'].includes(state(FAILING) ?? '')
  );
}

export interface DemoOptions {
  /** leave the controller (with its status page) and the sandboxes running until SIGINT/SIGTERM */
  readonly keep?: boolean;
}

export async function runDemo(
  out: NodeJS.WritableStream = process.stdout,
  opts: DemoOptions = {},
): Promise<boolean> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-demo-'));
  const rolloutsDir = join(dir, 'rollouts');
  const stateDir = join(dir, 'state');
  const logFile = join(dir, 'controller.log');
  await mkdir(rolloutsDir);

  const dd = await startDatadogSandbox();
  // declared up front, as vets-api's features.yml does: stagegate never creates a feature
  const flipper = await startFlipperSandbox({ features: [HEALTHY, FAILING].map(feature) });
  const timelines = new Map([HEALTHY, FAILING].map((n) => [n, new PercentTimeline(flipper, feature(n))]));
  driveSeries(dd, HEALTHY, timelines.get(HEALTHY) as PercentTimeline, null);
  driveSeries(dd, FAILING, timelines.get(FAILING) as PercentTimeline, 50);
  const follow = setInterval(() => {
    for (const t of timelines.values()) t.sample(Date.now());
  }, 50);

  const configPath = join(dir, 'stagegate.yaml');
  await writeFile(
    configPath,
    `rolloutsDir: ${rolloutsDir}
state: { type: file, dir: ${stateDir} }
metrics:
  datadog: { type: datadog, baseUrl: "${dd.url}", timeoutMs: 3000 }
toggles:
  flipper: { type: flipper, baseUrl: "${flipper.url}", timeoutMs: 3000 }
${opts.keep ? 'server: { host: 127.0.0.1, port: 0, tokenEnv: STAGEGATE_API_TOKEN }' : 'server: { enabled: false }'}
log: { level: info }
`,
  );
  // --keep: a token for this demo only, printed so the status page's buttons can be tried
  const token = opts.keep ? randomBytes(16).toString('hex') : undefined;
  await writeFile(join(rolloutsDir, `${HEALTHY}.yaml`), rolloutYaml(HEALTHY, 'A healthy release: completes'));
  await writeFile(join(rolloutsDir, `${FAILING}.yaml`), rolloutYaml(FAILING, 'Fails at 50%: rolled back'));

  out.write(
    `stagegate demo\n  Datadog sandbox  ${dd.url}\n  Flipper sandbox  ${flipper.url}\n  workspace        ${dir}\n\n`,
  );
  out.write(`running: stagegate --config ${configPath} run   (logs → ${logFile})\n\n`);

  const log = createWriteStream(logFile);
  const controller = spawn(process.execPath, [CLI, '--config', configPath, 'run'], {
    env: {
      ...process.env,
      DD_API_KEY: 'demo-api-key',
      DD_APP_KEY: 'demo-app-key',
      ...(token && { STAGEGATE_API_TOKEN: token }),
    },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  controller.stderr?.pipe(log);
  const pageUrl = opts.keep && controller.stderr ? listeningUrl(controller.stderr) : undefined;
  const exited = new Promise<number | null>((r) => controller.on('exit', (code) => r(code)));

  const store = new FileStateStore({ dir: stateDir });
  let done = false;
  let lastProgress = '';
  while (!done && Date.now() - started < TIMEOUT_MS && controller.exitCode === null) {
    await new Promise((r) => setTimeout(r, 500));
    const records = await store.list().catch(() => []);
    const progress = records
      .map((r) => `${r.name} ${r.summary.state} ${r.summary.stage ?? '-'} ${r.summary.percent}%`)
      .sort()
      .join(' | ');
    if (progress && progress !== lastProgress) out.write(`  ${rel(Date.now(), started)}  ${progress}\n`);
    lastProgress = progress;
    done = await finished(store);
    // nothing checked after 20 s: the controller is not working, say so now rather than at the timeout
    if (records.length === 0 && Date.now() - started > 20_000) break;
  }

  out.write('\ntimeline (from the state store history):\n');
  for (const name of [HEALTHY, FAILING]) {
    for (const line of timelineLines(name, await store.history(name), started)) out.write(`  ${line}\n`);
  }
  const records = await store.list();
  const { rollouts } = await loadRolloutsDir(rolloutsDir);
  out.write(`\nstagegate status:\n${formatStatusTable(statusRows(records, rollouts), Date.now())}`);

  const healthy = records.find((r) => r.name === HEALTHY)?.summary;
  const failing = records.find((r) => r.name === FAILING)?.summary;
  const ok =
    healthy?.state === 'completed' &&
    healthy.percent === 100 &&
    failing?.state === 'rolled_back' &&
    failing.percent === 0;
  out.write(`
state:  ${stateDir}   (records: rollouts/<name>.json, history: history/<name>.jsonl)
logs:   ${logFile}   (JSON lines; one "check" line per check)
try:    node ${CLI} --config ${configPath} status ${FAILING}

${ok ? 'demo OK' : 'demo FAILED'}: ${HEALTHY} ${healthy?.state ?? 'missing'} at ${healthy?.percent ?? '?'}%, ${FAILING} ${failing?.state ?? 'missing'} at ${failing?.percent ?? '?'}% (${((Date.now() - started) / 1000).toFixed(1)} s)
`);
  if (pageUrl && controller.exitCode === null) {
    out.write(`
kept running (--keep); Ctrl-C stops everything
  status page  ${await pageUrl}/
  API token    ${token ?? ''}   (type it into the page to use the operator buttons)
  Datadog      ${dd.url}
  Flipper      ${flipper.url}
  CLI          node ${CLI} --config ${configPath} status --watch
`);
    await untilSignal();
  }
  // the summary above was read from the store while the controller ran; now stop it and the sandboxes
  controller.kill('SIGTERM');
  await exited;
  clearInterval(follow);
  await new Promise<void>((r) => log.end(r));
  await Promise.all([dd.close(), flipper.close()]);
  return ok;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runDemo(process.stdout, { keep: process.argv.includes('--keep') }).then(
    (ok) => {
      process.exitCode = ok ? 0 : 1;
    },
    (err: unknown) => {
      process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
