import { StagegateError } from '../errors.js';
import type { Measurement, MetricRequest, MetricsProvider, TimeWindow } from '../ports/metrics-provider.js';
import {
  derivesFromIncrements,
  foldIncrement,
  incrementWindow,
  type IncrementLedger,
  type MetricLedger,
} from '../engine/increments.js';
import type { Increment } from '../engine/sequential/cusum.js';
import { isEmptyWindow, resolveWindow } from '../engine/window.js';
import type { MetricSpec, Rollout } from '../rollout/types.js';

/*
 * Every metric of one check: windows resolved at `now` (`window: stage`
 * from the stage start), then ONE `queryMany` per metrics provider so the
 * provider can batch them into as few API requests as it allows. An empty
 * window (the stage began this instant) is no data without asking. Providers
 * turn outages into error measurements; a provider that throws anyway, or a
 * metric naming a provider that does not exist, is turned into one here so a
 * check always has a measurement per metric.
 *
 * measureCheck (the runner's checks) asks each metric whose window value is a
 * sum (ratios, `aggregator: sum`) for its increment since the last one
 * counted instead of its window, and sums the window from the increments
 * (src/engine/increments.ts): all increments share one window, so the check
 * costs no more requests than before, usually fewer, and the rollback
 * detectors get each check's new observations exactly once.
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

export interface CheckOptions extends MeasureOptions {
  /** the increments counted so far this stage (the engine's counters.increments) */
  readonly ledger?: IncrementLedger | undefined;
}

export interface CheckMeasurements {
  /** what each metric's own window reads */
  readonly measurements: Record<string, Measurement>;
  /** each ratio metric's new observations, for the rollback detectors */
  readonly increments: Record<string, Increment>;
  /** the ledger with this check's increments folded in, for the engine to keep */
  readonly ledger: IncrementLedger;
}

export type ProviderFor = (requested: string | undefined) => MetricsProvider;

function errorMeasurement(err: unknown): Measurement {
  return {
    kind: 'error',
    code: err instanceof StagegateError ? err.code : 'E_PROVIDER_RESPONSE',
    message: err instanceof Error ? err.message : String(err),
  };
}

interface Ask {
  readonly metric: MetricSpec;
  readonly window: TimeWindow;
}

/** One queryMany per provider; an answer (or an error) for every ask, by metric name. */
async function ask(
  asks: readonly Ask[],
  providerFor: ProviderFor,
  timeoutMs: number | undefined,
  cancel?: AbortSignal,
): Promise<Record<string, Measurement>> {
  const out: Record<string, Measurement> = {};
  const batches = new Map<MetricsProvider, MetricRequest[]>();
  for (const { metric, window } of asks) {
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
  const timeout = AbortSignal.timeout(timeoutMs ?? 60_000);
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
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

const EMPTY_WINDOW: Measurement = {
  kind: 'no-data',
  reason: 'the window is empty: the stage has just begun',
};

function settleOpts(opts: MeasureOptions): { settleMs?: number } {
  return opts.settleMs === undefined ? {} : { settleMs: opts.settleMs };
}

/** Every metric over its own window (post-launch check-ins, `query`). */
export async function measureRollout(
  rollout: Rollout,
  providerFor: ProviderFor,
  opts: MeasureOptions,
): Promise<Record<string, Measurement>> {
  const out: Record<string, Measurement> = {};
  const asks: Ask[] = [];
  for (const metric of Object.values(rollout.metrics)) {
    const window = resolveWindow(metric.window, opts.now, opts.stageStart, settleOpts(opts));
    if (isEmptyWindow(window)) out[metric.name] = EMPTY_WINDOW;
    else asks.push({ metric, window });
  }
  return { ...out, ...(await ask(asks, providerFor, opts.timeoutMs, opts.signal)) };
}

/** One check: derived metrics by increment, the others over their window. */
export async function measureCheck(
  rollout: Rollout,
  providerFor: ProviderFor,
  opts: CheckOptions,
): Promise<CheckMeasurements> {
  const measurements: Record<string, Measurement> = {};
  const asks: Ask[] = [];
  const derivedWindows = new Map<string, TimeWindow>();
  for (const metric of Object.values(rollout.metrics)) {
    const derived = derivesFromIncrements(metric);
    const window = derived
      ? incrementWindow(opts.ledger, metric.name, opts.now, opts.stageStart, opts.settleMs)
      : resolveWindow(metric.window, opts.now, opts.stageStart, settleOpts(opts));
    if (derived) derivedWindows.set(metric.name, window);
    if (!isEmptyWindow(window)) asks.push({ metric, window });
    else if (!derived) measurements[metric.name] = EMPTY_WINDOW;
  }
  const answers = await ask(asks, providerFor, opts.timeoutMs, opts.signal);
  const ledger: Record<string, MetricLedger> = {};
  const increments: Record<string, Increment> = {};
  for (const metric of Object.values(rollout.metrics)) {
    const window = derivedWindows.get(metric.name);
    if (!window) {
      measurements[metric.name] ??= answers[metric.name] ?? EMPTY_WINDOW;
      continue;
    }
    const folded = foldIncrement(metric, opts.ledger?.[metric.name], window, answers[metric.name]);
    measurements[metric.name] = folded.measurement;
    if (folded.entry) ledger[metric.name] = folded.entry;
    if (folded.increment) increments[metric.name] = folded.increment;
  }
  return { measurements, increments, ledger };
}
