import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { MetricRequest, MetricsProvider, Measurement } from '../../src/ports/metrics-provider.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { applyOperatorCommand } from '../../src/runtime/commands.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { createRunner } from '../../src/runtime/runner.js';
import { registerSecret, resetSecretsForTests } from '../../src/secrets/scrubber.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/* Issue 11, secrets: whatever the runtime writes down (records, every history entry) is scrubbed. */

const SECRET = 'flipper-token-5f4dcc3b5aa765d61d83';
const rollout = parseRolloutText(rolloutYaml({ name: 'sc' }), 'rollouts/sc.yaml');

afterEach(() => resetSecretsForTests());

describe('what the runtime stores', () => {
  it('never holds a registered secret: provider text in checks, reasons, command reasons', async () => {
    registerSecret(SECRET);
    const store = new MemoryStateStore();
    const metrics: MetricsProvider = {
      name: 'leaky',
      query: async () => ({ kind: 'value', value: 0 }),
      queryMany: async (reqs: readonly MetricRequest[]): Promise<Measurement[]> =>
        reqs.map(() => ({ kind: 'error', code: 'E_PROVIDER_RESPONSE', message: `upstream said ${SECRET}` })),
    };
    let clock = Date.UTC(2026, 0, 5, 12);
    const runner = createRunner({
      store,
      metricsFor: () => metrics,
      toggleFor: () => new MemoryToggleProvider({ features: [rollout.toggle.feature] }),
      openSession: openEngineSession,
      notify: () => undefined,
      logger: silentLogger(),
      now: () => clock,
    });
    for (let i = 0; i < 3; i++) {
      await runner.check(rollout);
      clock += 60_000;
    }
    await applyOperatorCommand(store, rollout, 'pause', {
      by: 'oncall',
      reason: `pasted ${SECRET}`,
      now: clock,
    });
    const stored = JSON.stringify([await store.load('sc'), await store.history('sc')]);
    expect(stored).toContain('upstream said [redacted]');
    expect(stored).toContain('pasted [redacted]');
    expect(stored).not.toContain(SECRET);
  });
});
