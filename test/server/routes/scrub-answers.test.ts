import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { historyEntry } from '../../../src/ports/history.js';
import { parseRolloutText } from '../../../src/rollout/loader.js';
import { checkEntry } from '../../../src/runtime/history-entries.js';
import { registerSecret, resetSecretsForTests } from '../../../src/secrets/scrubber.js';
import { buildServer } from '../../../src/server/server.js';
import { rolloutYaml } from '../../controller/rollout-yaml.js';
import { deps, FakeStore, record, summary, T0 } from '../helpers.js';

/*
 * Issue 11, secrets: what leaves through the API is scrubbed at the last gate
 * (a preSerialization hook), whatever was stored; history entries that quote
 * a provider are scrubbed when they are built.
 */

const SECRET = 'dd-app-key-0123456789abcdef0123';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  resetSecretsForTests();
});

describe('API answers', () => {
  it('never carry a registered secret: records, history, errors', async () => {
    registerSecret(SECRET);
    const store = new FakeStore();
    // stored before the scrubber knew better (or by a path that forgot)
    store.records.set('leaky', {
      ...record('leaky'),
      summary: summary({ reason: `datadog said: key ${SECRET} invalid` }),
    });
    store.entries.set('leaky', [
      historyEntry({
        type: 'toggle-result',
        at: T0,
        intentId: 'i1',
        ok: false,
        percent: null,
        error: `upstream echoed ${SECRET}`,
      }),
    ]);
    app = buildServer(deps(store, []));
    for (const url of ['/api/rollouts', '/api/rollouts/leaky', '/api/rollouts/leaky/history']) {
      const res = await app.inject({ url });
      expect(res.body, url).not.toContain(SECRET);
    }
    const one = await app.inject({ url: '/api/rollouts/leaky' });
    expect(one.statusCode).toBe(200);
    expect(one.body).toContain('[redacted]');
  });
});

describe('history entries', () => {
  it('a check entry quoting a provider error is scrubbed as it is built', () => {
    registerSecret(SECRET);
    const rollout = parseRolloutText(rolloutYaml({ name: 'r' }), 'rollouts/r.yaml');
    const entry = checkEntry(rollout, {
      at: T0,
      summary: summary(),
      measurements: {
        error_rate: { kind: 'error', code: 'E_PROVIDER_RESPONSE', message: `partial answer: ${SECRET}` },
      },
      results: [],
      decision: { action: 'hold', reasons: [`because ${SECRET}`] },
      toggle: 2,
      exposure: null,
      durationMs: 5,
    });
    const text = JSON.stringify(entry);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('partial answer: [redacted]');
  });
});
