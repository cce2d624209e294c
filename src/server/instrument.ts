import {
  canQueryTopValues,
  type Measurement,
  type MetricQuery,
  type MetricRequest,
  type MetricsProvider,
  type TimeWindow,
  type TopValuesAnswer,
  type TopValuesProvider,
  type TopValuesQuery,
} from '../ports/metrics-provider.js';
import type { Gate, ToggleProvider, ToggleState } from '../ports/toggle-provider.js';
import { StagegateError } from '../errors.js';
import type { MetricsRecorder } from './metrics.js';

/*
 * Provider metrics without touching the providers: wrappers that time every
 * call and count failures, applied where the controller builds its providers.
 * A metrics call is one check's batched `queryMany` (however many HTTP
 * requests the provider makes for it); each error measurement counts as one
 * error. A provider that reports Datadog rate-limit headers (`rateLimit()`)
 * has them exported after each call.
 */

interface RateLimitSource {
  rateLimit(): { readonly remaining: number; readonly name: string } | undefined;
}

function hasRateLimit(p: object): p is RateLimitSource {
  return typeof (p as Partial<RateLimitSource>).rateLimit === 'function';
}

const seconds = (startNs: bigint): number => Number(process.hrtime.bigint() - startNs) / 1e9;

function codeOf(err: unknown): string {
  return err instanceof StagegateError ? err.code : 'E_PROVIDER_RESPONSE';
}

export function instrumentMetricsProvider<P extends MetricsProvider>(
  provider: P,
  recorder: MetricsRecorder,
): MetricsProvider {
  const observe = (started: bigint, answers: readonly Measurement[] | undefined, thrown: unknown): void => {
    const errors = answers ? answers.flatMap((m) => (m.kind === 'error' ? [m.code] : [])) : [codeOf(thrown)];
    recorder.recordProviderRequest({
      provider: provider.name,
      durationSeconds: seconds(started),
      ok: errors.length === 0,
    });
    for (const code of errors) recorder.recordProviderError({ provider: provider.name, code });
    const limit = hasRateLimit(provider) ? provider.rateLimit() : undefined;
    if (limit)
      recorder.recordRateLimit({ provider: provider.name, name: limit.name, remaining: limit.remaining });
  };
  const run = async (requests: readonly MetricRequest[], signal?: AbortSignal): Promise<Measurement[]> => {
    const started = process.hrtime.bigint();
    try {
      const answers = await provider.queryMany(requests, signal);
      observe(started, answers, undefined);
      return answers;
    } catch (err) {
      observe(started, undefined, err);
      throw err;
    }
  };
  const wrapped: MetricsProvider = {
    name: provider.name,
    queryMany: run,
    async query(q: MetricQuery, window: TimeWindow, signal?: AbortSignal): Promise<Measurement> {
      const [m] = await run([{ id: 'query', query: q, window }], signal);
      return m ?? { kind: 'error', code: 'E_PROVIDER_RESPONSE', message: 'the provider gave no answer' };
    },
  };
  if (!canQueryTopValues(provider)) return wrapped;
  // the errors query of the release report, counted like any other call to the provider
  const topValues = async (
    q: TopValuesQuery,
    window: TimeWindow,
    signal?: AbortSignal,
  ): Promise<TopValuesAnswer> => {
    const started = process.hrtime.bigint();
    try {
      const answer = await provider.topValues(q, window, signal);
      observe(started, answer.kind === 'error' ? [answer] : [], undefined);
      return answer;
    } catch (err) {
      observe(started, undefined, err);
      throw err;
    }
  };
  const withTopValues: MetricsProvider & TopValuesProvider = { ...wrapped, topValues };
  return withTopValues;
}

export function instrumentToggleProvider(
  provider: ToggleProvider,
  recorder: MetricsRecorder,
): ToggleProvider {
  const timed = async (call: () => Promise<ToggleState>): Promise<ToggleState> => {
    const started = process.hrtime.bigint();
    try {
      const state = await call();
      recorder.recordProviderRequest({
        provider: provider.name,
        durationSeconds: seconds(started),
        ok: true,
      });
      return state;
    } catch (err) {
      recorder.recordProviderRequest({
        provider: provider.name,
        durationSeconds: seconds(started),
        ok: false,
      });
      recorder.recordProviderError({ provider: provider.name, code: codeOf(err) });
      throw err;
    }
  };
  return {
    name: provider.name,
    read: (feature: string, signal?: AbortSignal) => timed(() => provider.read(feature, signal)),
    setPercent: (feature: string, percent: number, gate: Gate, signal?: AbortSignal) =>
      timed(() => provider.setPercent(feature, percent, gate, signal)),
    disable: (feature: string, mode: 'zero' | 'disable', signal?: AbortSignal) =>
      timed(() => provider.disable(feature, mode, signal)),
    enable: (feature: string, signal?: AbortSignal) => timed(() => provider.enable(feature, signal)),
  };
}
