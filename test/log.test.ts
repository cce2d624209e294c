import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, REDACT_PATHS, silentLogger } from '../src/log.js';
import { registerSecret, resetSecretsForTests } from '../src/secrets/scrubber.js';

afterEach(() => resetSecretsForTests());

const TOKEN = 'flipper-token-7f3a9c21';

function capture(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, destination };
}

function parsed(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('writes one JSON line per call: a constant message, the data in fields', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination }).child({ rollout: 'checkout', stage: 'canary' });
    logger.info({ percent: 10 }, 'stage applied');
    const [line] = parsed(lines);
    expect(lines).toHaveLength(1);
    expect(line).toMatchObject({
      level: 30,
      msg: 'stage applied',
      rollout: 'checkout',
      stage: 'canary',
      percent: 10,
    });
    expect(line?.pid).toBe(process.pid);
  });

  it('drops lines below the level (info by default)', () => {
    const { lines, destination } = capture();
    const info = createLogger({ destination });
    info.debug('hidden');
    info.info('shown');
    const warn = createLogger({ destination, level: 'warn' });
    warn.info('hidden too');
    warn.warn('also shown');
    expect(parsed(lines).map((l) => l.msg)).toEqual(['shown', 'also shown']);
  });

  it.each(['apiKey', 'token', 'password', 'authorization'])(
    'censors a %s field by name, top level and nested',
    (key) => {
      const { lines, destination } = capture();
      createLogger({ destination }).info(
        { [key]: 'x-value-1', provider: { [key]: 'x-value-2' } },
        'configured',
      );
      expect(lines[0]).not.toContain('x-value-');
      expect(parsed(lines)[0]).toMatchObject({ [key]: '[redacted]', provider: { [key]: '[redacted]' } });
    },
  );

  it('censors the Datadog and Flipper headers', () => {
    const { lines, destination } = capture();
    createLogger({ destination }).info(
      {
        headers: {
          'DD-API-KEY': 'k-1111',
          'DD-APPLICATION-KEY': 'k-2222',
          'flipper-cloud-token': 'k-3333',
          accept: 'json',
        },
      },
      'request',
    );
    expect(parsed(lines)[0]?.headers).toEqual({
      'DD-API-KEY': '[redacted]',
      'DD-APPLICATION-KEY': '[redacted]',
      'flipper-cloud-token': '[redacted]',
      accept: 'json',
    });
    expect(REDACT_PATHS).toContain('headers["DD-API-KEY"]');
  });

  it('the scrubber: a registered secret anywhere in a line (fields, messages, errors)', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    registerSecret(TOKEN);
    logger.warn({ reason: `Datadog said ${TOKEN}`, nested: { deep: [TOKEN] } }, 'datadog query failed');
    logger.error({ err: new Error(`connect to ${TOKEN}`) }, 'toggle call failed');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(TOKEN);
      expect(line).toContain('[redacted]');
    }
  });
});

describe('silentLogger', () => {
  it('logs nothing at any level', () => {
    const logger = silentLogger();
    expect(logger.level).toBe('silent');
    expect(logger.isLevelEnabled('fatal')).toBe(false);
  });
});
