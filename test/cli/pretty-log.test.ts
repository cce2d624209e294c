import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { prettyLine, prettyLogStream } from '../../src/cli/pretty-log.js';

const AT = Date.parse('2025-06-17T12:00:05Z');

describe('run --pretty lines', () => {
  it('prints a check as one line: rollout, stage, percent, decision, each metric with its verdicts, why', () => {
    const json = JSON.stringify({
      level: 30,
      time: AT,
      pid: 1,
      rollout: 'ebg',
      stage: 'canary',
      percent: 5,
      state: 'running',
      decision: 'hold',
      reason: '5m of minDuration 4h',
      metrics: {
        error_rate: {
          value: 0.01,
          interval: [0.004, 0.02],
          counts: '18/1800',
          vs: ['error_rate < 5% → pass', 'error_rate > 10% → ok'],
        },
        sent: { value: null, missing: 'no data: empty', vs: [] },
      },
      ms: 12,
      msg: 'check',
    });
    const line = prettyLine(json);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toBe(
      '12:00:05.000 INFO  check ebg canary 5% running → hold error_rate=0.01 (18/1800) [pass,ok] sent=no data: empty — 5m of minDuration 4h (12 ms)',
    );
  });

  it('prints other records as message and fields, and passes non-JSON through', () => {
    expect(
      prettyLine(
        JSON.stringify({ level: 40, time: AT, msg: 'stage held too long', stage: 'canary', pid: 3 }),
      ),
    ).toBe('12:00:05.000 WARN  stage held too long stage=canary');
    expect(prettyLine('not json')).toBe('not json');
  });
});

describe('prettyLogStream', () => {
  it('writes one pretty line per record, joining records split across chunks, and flushes the last at end', async () => {
    const out = new PassThrough();
    const written: string[] = [];
    out.on('data', (c: Buffer) => written.push(c.toString()));
    const stream = prettyLogStream(out);
    const a = JSON.stringify({ level: 30, time: AT, msg: 'first', n: 1 });
    const b = JSON.stringify({ level: 40, time: AT, msg: 'second' });
    stream.write(`${a.slice(0, 10)}`);
    stream.write(`${a.slice(10)}
${b.slice(0, 5)}`);
    expect(written).toEqual(['12:00:05.000 INFO  first n=1\n']);
    stream.write(b.slice(5));
    await new Promise<void>((done) => stream.end(done));
    expect(written).toEqual(['12:00:05.000 INFO  first n=1\n', '12:00:05.000 WARN  second\n']);
  });
});
