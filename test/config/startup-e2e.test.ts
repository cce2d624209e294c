import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { startSandboxSession, type SandboxSession } from '../../src/sandbox/sandbox-session.js';
import { rolloutYaml } from '../browser/stack.js';
import { createWorkspace, runCli, type Workspace } from '../e2e/harness.js';

/*
 * `stagegate run` start-up, through the built CLI: every missing variable in
 * one line; an empty server.tokenEnv is a warning (read-only API), not a
 * failure; and `--pretty` prints a check as one line.
 */

let sandbox: SandboxSession;
let ws: Workspace;
const YAML = rolloutYaml('delta', '1h');

beforeAll(async () => {
  sandbox = await startSandboxSession({ rollouts: [parseRolloutText(YAML, 'delta.yaml')] });
  ws = await createWorkspace({
    datadogUrl: sandbox.datadog.url,
    flipperUrl: sandbox.flipper.url,
    rollouts: { delta: YAML },
  });
});

afterAll(async () => {
  await ws?.cleanup();
  await sandbox?.close();
});

describe('stagegate run start-up', () => {
  it('names every missing environment variable in one line', async () => {
    const { writeFile } = await import('node:fs/promises');
    const config = `${ws.dir}/needs-env.yaml`;
    await writeFile(
      config,
      `rolloutsDir: ${ws.rolloutsDir}
state: { type: file, dir: ${ws.stateDir} }
metrics:
  datadog: { type: datadog, baseUrl: "${sandbox.datadog.url}" }
toggles:
  flipper: { type: flipper, baseUrl: "${sandbox.flipper.url}", tokenEnv: FLIPPER_TOKEN_X }
notifiers:
  team: { type: slack, webhookEnv: SLACK_URL_X }
server: { enabled: false }
`,
    );
    const res = await runCli(ws, ['--config', config, 'run', '--once'], { DD_API_KEY: '', DD_APP_KEY: '' });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([
      `stagegate: ${config}: missing environment variables: DD_API_KEY (metrics.datadog), DD_APP_KEY (metrics.datadog), FLIPPER_TOKEN_X (toggles.flipper.tokenEnv), SLACK_URL_X (notifiers.team.webhookEnv)`,
    ]);
  });

  it('warns when server.tokenEnv names an empty variable, and --pretty prints a check on one line', async () => {
    const { writeFile, readFile } = await import('node:fs/promises');
    const text = (await readFile(ws.configPath, 'utf8')).replace(
      'server: { enabled: false }',
      'server: { host: 127.0.0.1, port: 0, tokenEnv: EMPTY_TOKEN_X }',
    );
    await writeFile(ws.configPath, text);
    const res = await runCli(ws, ['run', '--once', '--pretty'], { EMPTY_TOKEN_X: '' });
    expect(res.code).toBe(0);
    const lines = res.stderr.trim().split('\n');
    expect(
      lines.some((l) =>
        /WARN {2}server\.tokenEnv names an empty variable: the API and status page are read-only/.test(l),
      ),
    ).toBe(true);
    const checks = lines.filter((l) => / check delta /.test(l));
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}check delta - 0% running → advance/);
    expect(lines.every((l) => !l.startsWith('{'))).toBe(true);
  });
});
