/*
 * Metrics port (DESIGN.md §5). Providers fetch; the engine judges. A provider
 * never throws for an outage or bad answer: it returns an `error` measurement
 * so the engine can count provider errors apart from failures.
 */

export type MetricQuery =
  | { readonly kind: 'value'; readonly query: string; readonly aggregator: string }
  | { readonly kind: 'ratio'; readonly numerator: string; readonly denominator: string }
  | {
      readonly kind: 'events';
      readonly source: 'logs' | 'rum';
      readonly search: string;
      readonly aggregation: 'count' | 'cardinality';
      /** the facet `cardinality` counts distinct values of, e.g. `@usr.id` */
      readonly facet: string | undefined;
    };

/** Epoch milliseconds, from inclusive, to exclusive. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

export type Measurement =
  | { readonly kind: 'value'; readonly value: number }
  | {
      readonly kind: 'ratio';
      readonly value: number;
      readonly numerator: number;
      readonly denominator: number;
    }
  /** no data is not zero: never advances; policy.noData decides the rest */
  | { readonly kind: 'no-data'; readonly reason: string }
  /** the provider could not answer (outage, rate limit, auth, bad query) */
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

export interface MetricRequest {
  /** caller's key, usually the metric name */
  readonly id: string;
  readonly query: MetricQuery;
  readonly window: TimeWindow;
}

export interface MetricsProvider {
  readonly name: string;
  query(q: MetricQuery, window: TimeWindow, signal?: AbortSignal): Promise<Measurement>;
  /**
   * Every metric of one check at once, so a provider can batch them into as
   * few API requests as it allows. Answers in the order of `requests`.
   */
  queryMany(requests: readonly MetricRequest[], signal?: AbortSignal): Promise<Measurement[]>;
}

/**
 * The most frequent values of a facet among matching events, e.g. the top
 * `@error.message` of `service:vets-api status:error` logs ("types of errors
 * logged" in the release report). Informational only: never judged.
 */
export interface TopValuesQuery {
  readonly source: 'logs' | 'rum';
  readonly search: string;
  /** the facet to group by, e.g. `@error.message` */
  readonly facet: string;
  /** how many values, most frequent first */
  readonly limit: number;
}

export interface TopValue {
  readonly value: string;
  readonly count: number;
}

/** Like a Measurement, an outage is data (`error`), never a rejection. */
export type TopValuesAnswer =
  | { readonly kind: 'values'; readonly values: readonly TopValue[] }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/** A provider that can answer TopValuesQuery (optional: not every provider can group events). */
export interface TopValuesProvider {
  topValues(q: TopValuesQuery, window: TimeWindow, signal?: AbortSignal): Promise<TopValuesAnswer>;
}

export function canQueryTopValues(p: MetricsProvider): p is MetricsProvider & TopValuesProvider {
  return typeof (p as Partial<TopValuesProvider>).topValues === 'function';
}
