import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFlipperSandbox, type FlipperSandbox } from '../../../src/sandbox/flipper-server.js';

/*
 * `validate --features` and `validate --online`, and the toggle line of
 * `query`, spawned from dist/ (npm run build first) against the Flipper
 * sandbox on loopback. Nothing may be written to the toggle.
 */

const CLI = resolve(import.meta.dirname, '../../../dist/cli/main.js');
const FEATURES = resolve(import.meta.dirname, '../../fixtures/vets-api/features.yml');
const TOKEN = 'validate-online-token-0123456789';
const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function stagegate(
  args: string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
): Promise<Result> {
  const env: Record<string, string | undefined> = { ...process.env, ...extraEnv };
  delete env['STAGEGATE_CONFIG'];
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function rollout(name: string, feature: string, extra = ''): string {
  return `name: ${name}
toggle: { provider: flipper, feature: ${feature}${extra} }
check: { every: 5m }
stages: [{ name: canary, percent: 2 }, { name: all, percent: 100 }]
`;
}

let dir: string;
let flipper: FlipperSandbox;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-validate-toggles-'));
  flipper = await startFlipperSandbox({ token: TOKEN });
  await mkdir(join(dir, 'rollouts'));
  await mkdir(join(dir, 'config'));
  await writeFile(
    join(dir, 'config/stagegate.yaml'),
    `rolloutsDir: rollouts
state: { type: file, dir: .stagegate }
metrics: { datadog: { type: datadog, baseUrl: "http://127.0.0.1:9" } }
toggles:
  flipper: { type: flipper, baseUrl: "${flipper.url}", tokenEnv: FLIPPER_TEST_TOKEN, maxRetries: 0 }
`,
  );
  await writeFile(join(dir, 'rollouts/ebg.yaml'), rollout('ebg', 'event_bus_gateway_emails_enabled'));
  await writeFile(
    join(dir, 'rollouts/faf.yaml'),
    rollout('faf', 'find_a_form_anonymous_search', ', gate: percentage_of_time'),
  );
});

afterAll(async () => {
  await flipper.close();
  await rm(dir, { recursive: true, force: true });
});

describe('validate --features', () => {
  it('reports actor_type, warns on percentage_of_actors and cookie_id, and passes when all are declared', async () => {
    const r = await stagegate(['validate', '--features', FEATURES], dir);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain(
      `rollouts/ebg.yaml:2:39: note: toggle.feature: event_bus_gateway_emails_enabled is declared at ${FEATURES}:7 with actor_type user`,
    );
    expect(
      lines.some((l) =>
        l.startsWith(
          'rollouts/ebg.yaml:2:39: warning: toggle.gate: percentage_of_actors needs an actor at every call site: Flipper.enabled?(:event_bus_gateway_emails_enabled) without one is false at every percentage, even 100%',
        ),
      ),
    ).toBe(true);
    expect(
      lines.some((l) =>
        l.startsWith(
          'rollouts/faf.yaml:2:39: warning: toggle.feature: find_a_form_anonymous_search has actor_type cookie_id: the actors are anonymous browsers (cookies), not users',
        ),
      ),
    ).toBe(true);
    // percentage_of_time needs no actor: no actor warning for faf
    expect(lines.filter((l) => l.startsWith('rollouts/faf.yaml') && l.includes('needs an actor'))).toEqual(
      [],
    );
  });

  it('fails with one line per rollout whose feature is not declared', async () => {
    const path = join(dir, 'undeclared.yaml');
    await writeFile(path, rollout('nope', 'not_in_vets_api'));
    const r = await stagegate(['validate', path, '--features', FEATURES], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${path}:2:39: error: toggle.feature: not_in_vets_api is not declared in ${FEATURES} (rake features:setup deletes undeclared features)`,
    );
  });

  it('reports an unreadable features file as a path line, not a stack trace', async () => {
    const r = await stagegate(['validate', '--features', join(dir, 'missing.yml')], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${join(dir, 'missing.yml')}: no such file or directory\n`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('validate --online', () => {
  it('exits 1 for a missing feature, shows the exposure of the others, and writes nothing', async () => {
    flipper.removeFeature('find_a_form_anonymous_search');
    flipper.setFeature('event_bus_gateway_emails_enabled', { percentageOfActors: 2, percentageOfTime: 10 });
    flipper.clearRequests();
    const r = await stagegate(['validate', '--online'], dir, { FLIPPER_TEST_TOKEN: TOKEN });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'ebg: flipper event_bus_gateway_emails_enabled: exists, 2% of actors + 10% of time (11.8% of checks with an actor, 10% without)',
    );
    expect(r.stdout).toContain(
      'faf: flipper find_a_form_anonymous_search: feature find_a_form_anonymous_search does not exist in flipper (a gate write would create it; toggle.create: true opts in)',
    );
    expect(flipper.requests.map((q) => q.method)).toEqual(['GET', 'GET']);
    expect(flipper.feature('find_a_form_anonymous_search')).toBeUndefined();
  });

  it('exits 0 when every feature exists', async () => {
    flipper.setFeature('find_a_form_anonymous_search', {});
    const r = await stagegate(['validate', '--online'], dir, { FLIPPER_TEST_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'faf: flipper find_a_form_anonymous_search: exists, off (no gate exposes users)',
    );
  });

  it('exits 3 when the provider cannot be read, and never prints the token', async () => {
    // one failure per rollout: maxRetries 0, two rollouts
    flipper.failNext(503, 2);
    const r = await stagegate(['validate', '--online'], dir, { FLIPPER_TEST_TOKEN: TOKEN });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /ebg: flipper event_bus_gateway_emails_enabled: cannot read: E_PROVIDER_UNREACHABLE/,
    );
    expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
  });
});
