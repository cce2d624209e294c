import type { Gate } from '../ports/toggle-provider.js';
import type { MetricQuery } from '../ports/metrics-provider.js';

/*
 * The rollout as the engine and controller see it: validated, defaults
 * applied, durations in milliseconds, criteria parsed. Produced by
 * `loadRollout` (src/rollout/loader.ts); everything downstream reads this,
 * never the raw YAML.
 */

export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** `error_rate > 5% for 2 checks` → { metric: 'error_rate', op: '>', threshold: 0.05, percent: true, forChecks: 2 } */
export interface Criterion {
  /** the text as written, for logs and reports */
  readonly text: string;
  readonly metric: string;
  readonly op: ComparisonOp;
  /** already divided by 100 when written with `%` */
  readonly threshold: number;
  /** written with `%`: display as a percentage */
  readonly percent: boolean;
  /** consecutive breaching checks needed; 1 when no `for` clause */
  readonly forChecks: number;
  /** `for <duration>`: how long the condition must have held, in ms (absent: no duration clause) */
  readonly forMs?: number;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface AdvanceWindow {
  readonly days: readonly Weekday[];
  /** minutes after local midnight, [start, end) ; end may be 1440 */
  readonly startMinute: number;
  readonly endMinute: number;
}

export type Schedule =
  { readonly kind: 'every'; readonly everyMs: number } | { readonly kind: 'cron'; readonly cron: string };

export interface Stage {
  readonly name: string;
  readonly percent: number;
  readonly minDurationMs: number;
  readonly minSamples: number | undefined;
  readonly approval: boolean;
}

export type MetricWindow = { readonly kind: 'stage' } | { readonly kind: 'duration'; readonly ms: number };

export interface MetricSpec {
  readonly name: string;
  /** metrics provider name from config; undefined → the default provider */
  readonly provider: string | undefined;
  readonly query: MetricQuery;
  readonly window: MetricWindow;
  /** `noData: zero`: a count with no data reads 0 (Datadog's default_zero) */
  readonly noData?: 'zero';
}

/** `report.errors`: the top messages of a logs/RUM search, recorded when a stage ends (never judged). */
export interface ErrorsQuerySpec {
  /** metrics provider name from config; undefined → the default provider */
  readonly provider: string | undefined;
  readonly source: 'logs' | 'rum';
  readonly search: string;
  /** the facet whose values are the "types", e.g. `@error.message` */
  readonly groupBy: string;
  readonly top: number;
}

export type StartSpec =
  | { readonly kind: 'immediately' }
  | { readonly kind: 'manual' }
  | { readonly kind: 'at'; readonly at: number };

export interface Rollout {
  readonly name: string;
  readonly description: string | undefined;
  /** path of the file it was loaded from, when it came from a file */
  readonly source: string | undefined;
  /** sha256 of the normalized spec, recorded in history when it changes */
  readonly specHash: string;
  readonly toggle: {
    readonly provider: string;
    readonly feature: string;
    readonly gate: Gate;
    readonly onRollback: 'zero' | 'disable';
    readonly onComplete: 'keep' | 'enable';
    /** may the first write create a feature the provider does not have; absent means false */
    readonly create?: boolean;
  };
  readonly start: StartSpec;
  readonly check: {
    readonly schedule: Schedule;
    readonly timezone: string;
    /** undefined: advancement allowed at any time */
    readonly advanceDuring: AdvanceWindow | undefined;
  };
  readonly stages: readonly Stage[];
  readonly samples: string | undefined;
  readonly metrics: Readonly<Record<string, MetricSpec>>;
  readonly criteria: {
    readonly advance: readonly Criterion[];
    readonly rollback: readonly Criterion[];
  };
  readonly policy: {
    readonly noData: 'hold' | 'pause' | 'rollback';
    readonly maxConsecutiveErrors: number;
    readonly confidence: number;
    readonly maxStageDurationMs: number | undefined;
    /** an advance criterion definitely failing this long triggers onFailing (default 1h) */
    readonly failingForMs?: number;
    /** default pause */
    readonly onFailing?: 'pause' | 'rollback' | 'hold';
  };
  readonly postLaunchMs: readonly number[];
  readonly notify: readonly string[];
  /** what the release report records besides the criteria; absent when the file has no `report:` */
  readonly report?: {
    readonly errors: ErrorsQuerySpec | undefined;
  };
}
