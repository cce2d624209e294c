import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { callFields, loggedCall } from '../../../src/providers/toggles/call-log.js';

function capture(level = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    }),
  });
  return { logger, lines };
}

const LEVEL = { debug: 20, info: 30, warn: 40 };

describe('callFields', () => {
  it('names the gate only when one is given', () => {
    expect(callFields('flipper', 'ebg', 'set', 25, 'percentage_of_time')).toEqual({
      provider: 'flipper',
      feature: 'ebg',
      action: 'set',
      value: 25,
      gate: 'percentage_of_time',
    });
    expect(Object.keys(callFields('flipper', 'ebg', 'disable', 'zero'))).not.toContain('gate');
  });
});

describe('loggedCall', () => {
  it('logs a write once at info, after it ran, with what the call noted', async () => {
    const { logger, lines } = capture();
    const order: string[] = [];
    const result = await loggedCall(logger, callFields('flipper', 'ebg', 'set', 25), (notes) => {
      order.push(`run (${lines.length} lines)`);
      notes.status = 200;
      notes.attempts = 2;
      return Promise.resolve('state');
    });
    expect(result).toBe('state');
    expect(order).toEqual(['run (0 lines)']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: LEVEL.info,
      msg: 'toggle call',
      provider: 'flipper',
      feature: 'ebg',
      action: 'set',
      value: 25,
      status: 200,
      attempts: 2,
    });
    expect(typeof lines[0]?.['durationMs']).toBe('number');
  });

  it('logs a read at debug: silent at info', async () => {
    const debug = capture('debug');
    await loggedCall(debug.logger, callFields('flipper', 'ebg', 'read', null), () => Promise.resolve(1));
    expect(debug.lines.map((l) => l['level'])).toEqual([LEVEL.debug]);
    const info = capture('info');
    await loggedCall(info.logger, callFields('flipper', 'ebg', 'read', null), () => Promise.resolve(1));
    expect(info.lines).toEqual([]);
  });

  it('logs a failure at warn with its code and message, and rethrows the same error', async () => {
    const { logger, lines } = capture();
    const failure = new StagegateError('E_PROVIDER_UNREACHABLE', 'Flipper did not answer', {});
    const err = await loggedCall(logger, callFields('flipper', 'ebg', 'enable', null), (notes) => {
      notes.attempts = 3;
      return Promise.reject(failure);
    }).catch((e: unknown) => e);
    expect(err).toBe(failure);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: LEVEL.warn,
      msg: 'toggle call failed',
      code: 'E_PROVIDER_UNREACHABLE',
      err: 'Flipper did not answer',
      attempts: 3,
      status: null,
    });
  });

  it('codes an error that is not a StagegateError as E_UNEXPECTED', async () => {
    const { logger, lines } = capture();
    await expect(
      loggedCall(logger, callFields('webhook', 'ebg', 'set', 5), () => Promise.reject(new TypeError('boom'))),
    ).rejects.toThrow('boom');
    expect(lines[0]).toMatchObject({ code: 'E_UNEXPECTED', err: 'boom' });
  });
});
