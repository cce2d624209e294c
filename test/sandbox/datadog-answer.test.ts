import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HttpAnswer, errorsBody, readBody } from '../../src/sandbox/datadog-answer.js';

/* The Datadog sandbox's answers and request bodies (src/sandbox/datadog-answer.ts). */

async function answerOf(p: Promise<unknown>): Promise<HttpAnswer> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HttpAnswer) return err;
    throw err;
  }
  throw new Error('no answer thrown');
}

describe('readBody', () => {
  it('parses JSON across chunks, and an empty body is undefined', async () => {
    expect(await readBody(Readable.from([Buffer.from('{"a":'), Buffer.from('[1,2]}')]))).toEqual({
      a: [1, 2],
    });
    expect(await readBody(Readable.from([]))).toBeUndefined();
  });

  it('answers 400 for bad JSON and 413 past 1 MiB, with Datadog’s errors list', async () => {
    const bad = await answerOf(readBody(Readable.from([Buffer.from('{nope')])));
    expect([bad.status, bad.body]).toEqual([400, { errors: ['Invalid JSON'] }]);
    const big = await answerOf(readBody(Readable.from([Buffer.alloc(600_000), Buffer.alloc(600_000)])));
    expect([big.status, big.body]).toEqual([413, { errors: ['Payload too large'] }]);
  });
});

describe('errorsBody', () => {
  it('lists every text', () => {
    expect(errorsBody('a', 'b')).toEqual({ errors: ['a', 'b'] });
    expect(new HttpAnswer(503, errorsBody('down')).message).toBe('HTTP 503');
  });
});
