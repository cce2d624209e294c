import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import {
  SandboxSwitchError,
  sandboxConfigFile,
  startSandboxSession,
  type SandboxSession,
} from '../../src/sandbox/sandbox-session.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

const rollout = parseRolloutText(
  rolloutYaml({ name: 'ebg', toggleProvider: 'flipper', feature: 'ebg_emails' }),
  'rollouts/ebg.yaml',
);

let session: SandboxSession;
beforeAll(async () => {
  session = await startSandboxSession({ rollouts: [rollout] });
});
afterAll(async () => {
  await session.close();
});

function refusal(fn: () => unknown): SandboxSwitchError {
  try {
    fn();
  } catch (err) {
    return err as SandboxSwitchError;
  }
  throw new Error('accepted');
}

const percent = (feature: string) =>
  session.flipper.feature(feature)?.gates.find((g) => g.key === 'percentage_of_actors')?.value;

describe('startSandboxSession', () => {
  it("declares the rollouts' features from the start and starts healthy", () => {
    expect(session.flipper.feature('ebg_emails')?.state).toBe('off');
    expect(session.state()).toMatchObject({ breached: [], outage: false });
    expect(session.datadog.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it('writes a config file the controller accepts, pointing at its servers', () => {
    const config = configSchema.parse(parse(sandboxConfigFile(session, 'rollouts')));
    expect(JSON.stringify(config)).toContain(session.datadog.url);
    expect(JSON.stringify(config)).toContain(session.flipper.url);
  });

  it('applies breach, outage, drift and heal, and says what changed', () => {
    expect(session.apply('breach', ['ebg'])).toMatch(/^breach: ebg/);
    expect(session.apply('outage', [])).toMatch(/^outage/);
    expect(session.state()).toMatchObject({ breached: ['ebg'], outage: true });
    expect(session.apply('drift', ['ebg_emails', '7'])).toBe('drift: ebg_emails set to 7% by hand');
    expect(percent('ebg_emails')).toBe('7');
    session.apply('heal', []);
    expect(session.state()).toMatchObject({ breached: [], outage: false });
  });

  it.each([
    ['an unknown switch', 'explode', [], 404, /unknown switch "explode": breach, outage, drift, heal/],
    ['an unknown rollout', 'breach', ['nope'], 404, /no rollout named "nope" in the sandbox \(ebg\)/],
    ['a drift without a percent', 'drift', ['ebg_emails'], 400, /drift needs/],
    ['a drift over 100', 'drift', ['ebg_emails', '101'], 400, /drift needs/],
  ])('refuses %s with its status', (_what, name, args, status, message) => {
    const err = refusal(() => session.apply(name, args));
    expect(err).toBeInstanceOf(SandboxSwitchError);
    expect(err.status).toBe(status);
    expect(err.message).toMatch(message);
  });

  it('serves the switches over HTTP on the control port', async () => {
    const drift = await fetch(`${session.controlUrl}/drift/ebg_emails/3`, { method: 'POST' });
    expect(drift.status).toBe(200);
    expect(await drift.json()).toMatchObject({
      message: 'drift: ebg_emails set to 3% by hand',
      outage: false,
    });
    expect(percent('ebg_emails')).toBe('3');

    const state = await fetch(`${session.controlUrl}/`);
    expect(await state.json()).toEqual(session.state());

    const unknown = await fetch(`${session.controlUrl}/explode`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    const wrongMethod = await fetch(`${session.controlUrl}/heal`);
    expect(wrongMethod.status).toBe(404);
  });

  it('an outage makes Datadog answer 503 until heal', async () => {
    const ask = () =>
      fetch(`${session.datadog.url}/api/v2/query/scalar`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'DD-API-KEY': 'a', 'DD-APPLICATION-KEY': 'b' },
        body: '{}',
      });
    session.apply('outage', []);
    expect((await ask()).status).toBe(503);
    session.apply('heal', []);
    expect((await ask()).status).not.toBe(503);
  });
});
