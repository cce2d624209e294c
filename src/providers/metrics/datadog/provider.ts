import type { Logger } from '../../../log.js';
import type {
  Measurement,
  MetricQuery,
  MetricRequest,
  MetricsProvider,
  TimeWindow,
  TopValuesAnswer,
  TopValuesProvider,
  TopValuesQuery,
} from '../../../ports/metrics-provider.js';
import { scrub, scrubDeep } from '../../../secrets/scrubber.js';
import { planRequests, type EventsJob, type ScalarBatch } from './batch.js';
import type { DatadogClient, ProviderStats } from './client.js';
import { DatadogFailure, classifyFailure } from './errors.js';
import { buildEventsRequest, readEventsResponse } from './events.js';
import type { RateLimitInfo } from './rate-limit.js';
import { buildScalarRequest, readScalarResponse, scalarMeasurements } from './scalar.js';
import { buildTopValuesRequest, readTopValuesResponse } from './top-values.js';

/*
 * The Datadog MetricsProvider (DESIGN.md §5, §8). Fetch, never judge: every
 * answer becomes a Measurement, and every failure — outage, timeout, rate
 * limit, bad query, bad key — becomes an `error` measurement with an
 * E_PROVIDER_* code; queryMany never rejects. Every text that comes back
 * (reasons, messages, top values: Datadog's own text, which may quote a
 * query, a header or a key) goes through the program's one scrubber before
 * it leaves the provider for history, status and the API. See batch.ts for how a
 * check's metrics are batched, scalar.ts / events.ts for how
 * answers are read, client.ts for retries and rate limits.
 */

/** What the permission each endpoint needs is called, for auth error messages. */
const PERMISSION = {
  scalar: 'timeseries_query',
  logs: 'logs_read_data',
  rum: 'rum_apps_read',
} as const;

type Endpoint = keyof typeof PERMISSION;

export interface InstrumentedMetricsProvider extends MetricsProvider {
  /** the last X-RateLimit-* headers Datadog sent, if any */
  rateLimit(): RateLimitInfo | undefined;
  stats(): ProviderStats;
}

export class DatadogMetricsProvider implements InstrumentedMetricsProvider, TopValuesProvider {
  constructor(
    readonly name: string,
    private readonly client: DatadogClient,
    private readonly logger: Logger,
  ) {}

  async query(q: MetricQuery, window: TimeWindow, signal?: AbortSignal): Promise<Measurement> {
    const [m] = await this.queryMany([{ id: 'query', query: q, window }], signal);
    return m as Measurement;
  }

  async queryMany(requests: readonly MetricRequest[], signal?: AbortSignal): Promise<Measurement[]> {
    const plan = planRequests(requests);
    const answers = new Map<number, Measurement>(plan.settled);
    // one auth probe per check at most, shared by every request that was refused
    let apiKeyProbe: Promise<boolean | undefined> | undefined;
    const probeApiKey = (): Promise<boolean | undefined> =>
      (apiKeyProbe ??= this.client.validateApiKey(signal));

    await Promise.all([
      ...plan.scalar.map((batch) => this.runScalar(batch, signal, probeApiKey, answers)),
      ...plan.events.map((job) => this.runEvents(job, signal, probeApiKey, answers)),
    ]);
    return requests.map((_, i) =>
      scrubMeasurement(
        answers.get(i) ?? {
          kind: 'error',
          code: 'E_PROVIDER_RESPONSE',
          message: 'internal: metric was not queried',
        },
      ),
    );
  }

  /** The most frequent values of a facet (see top-values.ts); failures are answers, never rejections. */
  async topValues(q: TopValuesQuery, window: TimeWindow, signal?: AbortSignal): Promise<TopValuesAnswer> {
    // error messages as facet values quote whatever the service logged, tokens included
    return scrubDeep(await this.topValuesRaw(q, window, signal));
  }

  private async topValuesRaw(
    q: TopValuesQuery,
    window: TimeWindow,
    signal: AbortSignal | undefined,
  ): Promise<TopValuesAnswer> {
    const body = buildTopValuesRequest(q, window);
    try {
      const response =
        q.source === 'logs'
          ? await this.client.aggregateLogs(body, signal)
          : await this.client.aggregateRum(body, signal);
      const read = readTopValuesResponse(response, q);
      if (!read.ok) {
        this.logger.warn(
          { provider: this.name, source: q.source, facet: q.facet, window, reason: read.reason },
          'datadog top values not understood',
        );
        return { kind: 'error', code: 'E_PROVIDER_RESPONSE', message: read.reason };
      }
      return { kind: 'values', values: read.values };
    } catch (err) {
      return this.errorMeasurement(err, q.source, () => this.client.validateApiKey(signal));
    }
  }

  rateLimit(): RateLimitInfo | undefined {
    return this.client.rateLimit();
  }

  stats(): ProviderStats {
    return this.client.stats();
  }

  private async runScalar(
    batch: ScalarBatch,
    signal: AbortSignal | undefined,
    probeApiKey: () => Promise<boolean | undefined>,
    answers: Map<number, Measurement>,
  ): Promise<void> {
    const names = batch.queries.map((q) => q.name);
    try {
      const response = await this.client.queryScalar(buildScalarRequest(batch), signal);
      const read = readScalarResponse(response, names);
      if (read.kind === 'partial' || read.kind === 'invalid') {
        this.logger.warn(
          { provider: this.name, window: batch.window, queries: batch.queries.length, reason: read.reason },
          read.kind === 'partial'
            ? 'datadog partial answer treated as no data'
            : 'datadog answer not understood',
        );
      }
      for (const [index, m] of scalarMeasurements(batch, read)) answers.set(index, m);
      this.logger.debug(
        { provider: this.name, window: batch.window, queries: names.length },
        'datadog scalar query',
      );
    } catch (err) {
      const m = await this.errorMeasurement(err, 'scalar', probeApiKey);
      for (const slot of batch.slots) answers.set(slot.index, m);
    }
  }

  private async runEvents(
    job: EventsJob,
    signal: AbortSignal | undefined,
    probeApiKey: () => Promise<boolean | undefined>,
    answers: Map<number, Measurement>,
  ): Promise<void> {
    const body = buildEventsRequest(job.query, job.window);
    try {
      const response =
        job.query.source === 'logs'
          ? await this.client.aggregateLogs(body, signal)
          : await this.client.aggregateRum(body, signal);
      const read = readEventsResponse(response, job.query);
      if (read.warning) {
        this.logger.warn(
          { provider: this.name, source: job.query.source, window: job.window, reason: read.warning },
          'datadog partial answer treated as no data',
        );
      }
      answers.set(job.index, read.measurement);
    } catch (err) {
      answers.set(job.index, await this.errorMeasurement(err, job.query.source, probeApiKey));
    }
  }

  private async errorMeasurement(
    err: unknown,
    endpoint: Endpoint,
    probeApiKey: () => Promise<boolean | undefined>,
  ): Promise<Extract<Measurement, { kind: 'error' }>> {
    const failure =
      err instanceof DatadogFailure
        ? err
        : classifyFailure(err, { operation: `${endpoint} query`, timeoutMs: 0 });
    const message =
      failure.code === 'E_PROVIDER_AUTH'
        ? await this.explainAuth(failure, endpoint, probeApiKey)
        : failure.message;
    this.logger.warn(
      { provider: this.name, endpoint, code: failure.code, reason: message },
      'datadog query failed',
    );
    return { kind: 'error', code: failure.code, message };
  }

  /** Names the key at fault: /api/v1/validate checks the API key alone, so a good API key means the app key is the problem. */
  private async explainAuth(
    failure: DatadogFailure,
    endpoint: Endpoint,
    probeApiKey: () => Promise<boolean | undefined>,
  ): Promise<string> {
    const status = failure.status === undefined ? '' : ` (HTTP ${failure.status})`;
    const appKeyHint = `check DD_APP_KEY: it must be a valid application key of the same organisation, with the ${PERMISSION[endpoint]} permission`;
    const apiKeyHint = `check DD_API_KEY and that it belongs to the organisation at ${this.client.endpoint} (config: site / baseUrl)`;
    const apiKeyValid = await probeApiKey();
    if (apiKeyValid === false) return `Datadog rejected the API key${status}: ${apiKeyHint}`;
    if (apiKeyValid === true)
      return `Datadog accepted the API key but refused the application key${status}: ${appKeyHint}`;
    // could not ask: 403 is usually the application key or its permissions, 401 the API key
    return failure.status === 401
      ? `Datadog refused the request${status}, probably the API key: ${apiKeyHint}`
      : `Datadog refused the request${status}, probably the application key or its permissions: ${appKeyHint}`;
  }
}

/** A measurement with its text scrubbed; numbers are never secrets. */
export function scrubMeasurement(m: Measurement): Measurement {
  if (m.kind === 'no-data') return { kind: 'no-data', reason: scrub(m.reason) };
  if (m.kind === 'error') return { kind: 'error', code: m.code, message: scrub(m.message) };
  return m;
}
