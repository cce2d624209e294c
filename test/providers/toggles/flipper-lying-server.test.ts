import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { readConfirmed } from '../../../src/ports/toggle-exposure.js';
import { FlipperToggleProvider } from '../../../src/providers/toggles/flipper.js';

/*
 * Issue 11 item 7: a write answered 200 with another feature's document (a
 * proxy, a cache, a bug) must not count as done. A real HTTP server on
 * loopback plays the liar; answers are flipper-api documents.
 */

function doc(key: string, values: Record<string, string | null> = {}, gates = true) {
  const g = (k: string, name = k, empty: unknown = null) => ({ key: k, name, value: values[k] ?? empty });
  return {
    key,
    state: 'conditional',
    gates: gates
      ? [
          g('boolean'),
          g('expression'),
          g('actors', 'actor', []),
          g('percentage_of_actors'),
          g('percentage_of_time'),
          g('groups', 'group', []),
        ]
      : [],
  };
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** Answers the documents in turn (the last one repeats), 200 application/json. */
async function liar(...answers: unknown[]): Promise<{ provider: FlipperToggleProvider; calls: string[] }> {
  const calls: string[] = [];
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls.push(`${req.method ?? ''} ${req.url ?? ''}`);
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const provider = new FlipperToggleProvider({
    name: 'flipper',
    baseUrl: `http://127.0.0.1:${String(port)}/flipper/api`,
    timeoutMs: 2_000,
    retry: { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1, factor: 1, randomize: false },
    logger: silentLogger(),
  });
  return { provider, calls };
}

async function rejection(promise: Promise<unknown>): Promise<StagegateError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StagegateError);
  return err as StagegateError;
}

describe("a Flipper that answers another feature's document", () => {
  it('a zero rollback is E_TOGGLE_MISMATCH, not a rollback done', async () => {
    const { provider, calls } = await liar(
      doc('other_feature', { percentage_of_actors: '0', percentage_of_time: '0' }),
    );
    const err = await rejection(provider.disable('ebg', 'zero'));
    expect(err.code).toBe('E_TOGGLE_MISMATCH');
    expect(err.message).toBe(
      'POST /percentage_of_actors for ebg answered 200 but the answer is the document of feature other_feature, not ebg',
    );
    expect(err.details).toMatchObject({ feature: 'ebg', answered: 'other_feature' });
    // it stopped at the first lie: nothing after it was taken for done
    expect(calls).toEqual(['POST /flipper/api/features/ebg/percentage_of_actors']);
  });

  it('a set answered with the old value is E_TOGGLE_MISMATCH', async () => {
    const { provider } = await liar(doc('ebg', { percentage_of_actors: '100' }));
    const err = await rejection(provider.setPercent('ebg', 0, 'percentage_of_actors'));
    expect(err.code).toBe('E_TOGGLE_MISMATCH');
    expect(err.details).toMatchObject({ reason: 'percentage_of_actors reads 100% after setting 0%' });
  });

  it('disable and enable are checked too', async () => {
    const { provider } = await liar(doc('ebg', { boolean: 'true' }));
    expect((await rejection(provider.disable('ebg', 'disable'))).code).toBe('E_TOGGLE_MISMATCH');
    expect((await provider.enable('ebg')).enabled).toBe(true);
  });

  it("a read answered for another feature is E_TOGGLE_MISMATCH, not that feature's state", async () => {
    const { provider } = await liar(doc('other_feature', { percentage_of_actors: '100' }));
    expect((await rejection(provider.read('ebg'))).code).toBe('E_TOGGLE_MISMATCH');
  });
});

describe('one anomalous read is not drift', () => {
  it('a 200 with an empty gates list is refused as a read, never read as "all off"', async () => {
    const { provider } = await liar(doc('ebg', {}, false));
    const err = await rejection(provider.read('ebg'));
    expect(err.code).toBe('E_PROVIDER_RESPONSE');
    expect(err.details).toMatchObject({ reason: 'no-gates' });
  });

  it('a 200 with every gate null once, then the real state: readConfirmed says ok after two reads', async () => {
    const { provider, calls } = await liar(doc('ebg'), doc('ebg', { percentage_of_actors: '25' }));
    const read = await readConfirmed(provider, 'ebg', { gate: 'percentage_of_actors', percent: 25 });
    expect(read).toMatchObject({ reads: 2, anomalous: true, comparison: { kind: 'ok' } });
    expect(calls).toEqual(['GET /flipper/api/features/ebg', 'GET /flipper/api/features/ebg']);
  });
});
