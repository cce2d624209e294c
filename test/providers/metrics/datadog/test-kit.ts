import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../../src/log.js';
import {
  createMetricsProvider,
  type MetricsProviderDeps,
} from '../../../../src/providers/metrics/factory.js';
import type { InstrumentedMetricsProvider } from '../../../../src/providers/metrics/datadog/provider.js';
import type { DatadogProviderConfig } from '../../../../src/config/schema.js';

/* Shared by the Datadog provider tests: a provider wired with fake time, a log capture, and Datadog-shaped payloads. */

export const API_KEY = 'dd-api-key-0123456789abcdef';
export const APP_KEY = 'dd-app-key-fedcba9876543210';
export const ENV = { DD_API_KEY: API_KEY, DD_APP_KEY: APP_KEY };

export interface LogCapture {
  readonly logger: Logger;
  readonly lines: string[];
  entries(): Array<Record<string, unknown>>;
}

/** The real root logger (redaction included) at trace level, writing into memory. */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
      done();
    },
  });
  const logger = createLogger({ level: 'trace', destination });
  return { logger, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export interface TestProvider {
  readonly provider: InstrumentedMetricsProvider;
  readonly logs: LogCapture;
  /** every wait the client asked for (rate-limit resets), in ms */
  readonly sleeps: number[];
  /** the fake clock; advanced by sleeps */
  clock: { now: number };
}

/** A fake clock that only the client's sleeps advance, and every sleep asked for. */
export function fakeTime(start: number) {
  const sleeps: number[] = [];
  const clock = { now: start };
  const time = {
    now: () => clock.now,
    random: () => 0.5,
    sleep: (ms: number) => {
      sleeps.push(ms);
      clock.now += ms;
      return Promise.resolve();
    },
  };
  return { sleeps, clock, time };
}

export function makeProvider(
  config: Partial<DatadogProviderConfig> = {},
  deps: Partial<MetricsProviderDeps> = {},
): TestProvider {
  const logs = captureLogs();
  const { sleeps, clock, time } = fakeTime(1_750_000_000_000);
  const provider = createMetricsProvider(
    'datadog',
    { type: 'datadog', site: 'datadoghq.com', timeoutMs: 2000, maxRetries: 2, ...config },
    {
      env: ENV,
      logger: logs.logger,
      ...time,
      minRetryDelayMs: 1,
      maxRetryDelayMs: 2,
      ...deps,
    },
  );
  return { provider, logs, sleeps, clock };
}

export const FROM = 1_750_000_000_000;
export const TO = FROM + 15 * 60_000;
export const WINDOW = { from: FROM, to: TO };

type ColumnValues = ReadonlyArray<number | null>;

/** A v2 scalar answer: optional group column, then one number column per name. */
export function scalarAnswer(
  numbers: Record<string, ColumnValues>,
  group?: { name: string; values: string[][] },
): Record<string, unknown> {
  const columns: unknown[] = [];
  if (group) columns.push({ name: group.name, type: 'group', values: group.values });
  for (const [name, values] of Object.entries(numbers)) {
    columns.push({
      name,
      type: 'number',
      values,
      meta: {
        unit: [
          { family: 'general', name: 'email', plural: 'emails', scale_factor: 1, short_name: null },
          null,
        ],
      },
    });
  }
  return { data: { type: 'scalar_response', attributes: { columns } } };
}

export function rateLimitHeaders(remaining: number, reset = 7, limit = 100): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Period': '10',
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': String(reset),
    'X-RateLimit-Name': 'metrics_query',
  };
}
