import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { FlipperToggleProvider } from '../../../src/providers/toggles/flipper.js';
import type { RetryPolicy } from '../../../src/http/http-client.js';
import { startFlipperSandbox, type FlipperSandboxOptions } from '../../../src/sandbox/flipper-server.js';
import { toggleProviderContract } from './contract.js';

/* The Flipper provider against the Flipper-compatible sandbox, over real loopback HTTP. */

const FAST_RETRY: RetryPolicy = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 1, factor: 1, randomize: false };

async function setup(sandboxOptions: FlipperSandboxOptions = {}, token?: string, tokenHeader?: string) {
  const sandbox = await startFlipperSandbox(sandboxOptions);
  const provider = new FlipperToggleProvider({
    name: 'flipper',
    baseUrl: sandbox.url,
    token,
    tokenHeader,
    timeoutMs: 2_000,
    retry: FAST_RETRY,
    logger: silentLogger(),
  });
  return { sandbox, provider };
}

toggleProviderContract('flipper (sandbox, bearer token)', async () => {
  const { sandbox, provider } = await setup({ token: 't0ken' }, 't0ken');
  return {
    provider,
    setManually: async (feature, change) => sandbox.setFeature(feature, change),
    close: () => sandbox.close(),
  };
});

toggleProviderContract('flipper (sandbox, flipper-cloud-token header)', async () => {
  const { sandbox, provider } = await setup(
    { token: 'cl0ud', tokenHeader: 'flipper-cloud-token' },
    'cl0ud',
    'flipper-cloud-token',
  );
  return {
    provider,
    setManually: async (feature, change) => sandbox.setFeature(feature, change),
    close: () => sandbox.close(),
  };
});

describe('FlipperToggleProvider against the sandbox', () => {
  it('is refused with E_PROVIDER_AUTH when the token is wrong', async () => {
    const { sandbox, provider } = await setup({ token: 'right' }, 'wrong');
    try {
      await expect(provider.read('f')).rejects.toMatchObject({
        code: 'E_PROVIDER_AUTH',
        details: { status: 401 },
      });
      expect(sandbox.requests).toHaveLength(1);
    } finally {
      await sandbox.close();
    }
  });

  it('retries a 503 and succeeds', async () => {
    const { sandbox, provider } = await setup();
    try {
      sandbox.failNext(503, 2);
      const state = await provider.setPercent('f', 25, 'percentage_of_actors');
      expect(state.percentageOfActors).toBe(25);
      expect(sandbox.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    } finally {
      await sandbox.close();
    }
  });

  it('reports E_PROVIDER_RESPONSE for a baseUrl that is not the flipper-api mount point', async () => {
    const sandbox = await startFlipperSandbox();
    const provider = new FlipperToggleProvider({
      name: 'flipper',
      baseUrl: sandbox.url.replace('/flipper/api', '/wrong'),
      timeoutMs: 2_000,
      retry: FAST_RETRY,
      logger: silentLogger(),
    });
    try {
      await expect(provider.read('f')).rejects.toMatchObject({
        code: 'E_PROVIDER_RESPONSE',
        details: { status: 404 },
      });
    } finally {
      await sandbox.close();
    }
  });

  it('reports E_PROVIDER_UNREACHABLE when nothing listens, after its retries', async () => {
    const sandbox = await startFlipperSandbox();
    const url = sandbox.url;
    await sandbox.close();
    const provider = new FlipperToggleProvider({
      name: 'flipper',
      baseUrl: url,
      timeoutMs: 2_000,
      retry: FAST_RETRY,
      logger: silentLogger(),
    });
    await expect(provider.read('f')).rejects.toMatchObject({
      code: 'E_PROVIDER_UNREACHABLE',
      details: { reason: 'network', attempts: 3 },
    });
  });
});
