import { StagegateError } from '../errors.js';
import type { Measurement, MetricRequest, MetricsProvider } from '../ports/metrics-provider.js';
import { isEmptyWindow, resolveWindow } from '../engine/window.js';
import type { Rollout } from '../rollout/types.js';

/*
 * Every metric of one check: windows resolved at `now` (`window: stage`
 * from the stage start), then ONE `queryMany` per metrics provider so the
 * provider can batch them into as few API requests as it allows. An empty
 * window (the stage began this instant) is no data without asking. Providers
 * turn outages into error measurements; a provider that throws anyway, or a
 * metric naming a provider that does not exist, is turned into one here so a
 * check always has a measurement per metric.
 */

export interface MeasureOptions {
  readonly now: number;
  readonly stageStart: number;
  /** resolveWindow's settle delay cap; default its own */
  readonly settleMs?: number;
  /** the whole check's budget for metrics */
  readonly timeoutMs?: number;
  /** cancels every query in flight (an operator command: issue 11 item 4) */
  readonly signal?: AbortSignal;
}

export type ProviderFor = (requested: string | undefined) => MetricsProvider;

function errorMeasurement(err: unknown): Measurement {
  return {
    kind: 'error',
    code: err instanceof StagegateError ? err.code : 'E_PROVIDER_RESPONSE',
    message: err instanceof Error ? err.message : String(err),
  };
}

export async function measureRollout(
  rollout: Rollout,
  providerFor: ProviderFor,
  opts: MeasureOptions,
): Promise<Record<string, Measurement>> {
  const out: Record<string, Measurement> = {};
  const batches = new Map<MetricsProvider, MetricRequest[]>();
  for (const metric of Object.values(rollout.metrics)) {
    const window = resolveWindow(
      metric.window,
      opts.now,
      opts.stageStart,
      opts.settleMs === undefined ? {} : { settleMs: opts.settleMs },
    );
    if (isEmptyWindow(window)) {
      out[metric.name] = { kind: 'no-data', reason: 'the window is empty: the stage has just begun' };
      continue;
    }
    let provider: MetricsProvider;
    try {
      provider = providerFor(metric.provider);
    } catch (err) {
      out[metric.name] = errorMeasurement(err);
      continue;
    }
    batches.set(provider, [
      ...(batches.get(provider) ?? []),
      { id: metric.name, query: metric.query, window },
    ]);
  }
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 60_000);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  await Promise.all(
    [...batches].map(async ([provider, requests]) => {
      let answers: Measurement[];
      try {
        answers = await provider.queryMany(requests, signal);
      } catch (err) {
        answers = requests.map(() => errorMeasurement(err));
      }
      requests.forEach((req, i) => {
        out[req.id] = answers[i] ?? {
          kind: 'error',
          code: 'E_PROVIDER_RESPONSE',
          message: 'the provider gave no answer',
        };
      });
    }),
  );
  return out;
}
