import { pino, type Logger } from 'pino';
import { scrub } from './secrets/scrubber.js';

export type { Logger } from 'pino';

/*
 * One pino root per process; modules take `logger.child({ rollout, stage })`.
 * Messages are constant strings, data goes in fields, so on-call can grep and
 * machines can parse. Redaction is a second line of defence: secrets should
 * never be passed to a logger in the first place. Two layers: the paths
 * below censor fields by name, and every serialized line goes through the
 * program's one scrubber (src/secrets/scrubber.ts) before it is written, so
 * a registered secret quoted inside any text (a provider's error body, an
 * exception's message) is replaced wherever it sits in the line.
 */
export const REDACT_PATHS = [
  'apiKey',
  'appKey',
  'token',
  'secret',
  'password',
  'authorization',
  '*.apiKey',
  '*.appKey',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  'headers.authorization',
  'headers["DD-API-KEY"]',
  'headers["DD-APPLICATION-KEY"]',
  'headers["flipper-cloud-token"]',
];

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
  /** default: stderr, so command output on stdout stays machine-readable */
  destination?: NodeJS.WritableStream | number;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const redact = { paths: REDACT_PATHS, censor: '[redacted]' };
  const hooks = { streamWrite: scrub };
  if (opts.pretty) {
    return pino({
      level,
      redact,
      hooks,
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:standard' } },
    });
  }
  const dest = opts.destination ?? 2;
  const stream = typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : dest;
  return pino({ level, redact, hooks, base: { pid: process.pid } }, stream);
}

/** A logger that drops everything: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
