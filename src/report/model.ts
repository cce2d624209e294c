import type { RolloutState } from '../ports/state-store.js';

/*
 * The release report as data: what `report --format json` prints and what
 * the markdown renderer turns into the release-plan document. Times are ISO
 * 8601 (UTC); the renderer shows them in the rollout's time zone. Values are
 * raw numbers (ratios as fractions); `percent` says how the criterion was
 * written, so renderers can show 0.031 as 3.1%.
 */

export interface CriterionOutcome {
  readonly text: string;
  readonly kind: 'advance' | 'rollback';
  /** advance: passed at the stage's last check; rollback: never breached during the stage */
  readonly met: boolean;
  /** the engine's verdict at the check the value comes from; null: never measured */
  readonly verdict: string | null;
  readonly value: number | null;
  readonly interval: readonly [number, number] | null;
  readonly percent: boolean;
}

export interface ErrorCount {
  readonly message: string;
  readonly count: number;
}

export interface DecisionItem {
  readonly at: string;
  readonly kind: 'check' | 'command' | 'transition';
  /** e.g. `advance`, `approve`, `running → paused` */
  readonly action: string;
  readonly by: string | null;
  readonly detail: string | null;
}

export interface StagePeriod {
  readonly startedAt: string;
  /** null while the stage is still running */
  readonly endedAt: string | null;
}

export type StageStatus = 'not reached' | 'in progress' | 'passed' | 'rolled back';

export interface StageReport {
  /** A, B, C … in plan order */
  readonly letter: string;
  readonly name: string;
  /** from the rollout file; null when the file is not available or no longer has this stage */
  readonly planned: {
    readonly percent: number;
    readonly minDuration: string | null;
    readonly minSamples: number | null;
    readonly approval: boolean;
  } | null;
  /** the planned percent, or the one the history shows */
  readonly percent: number | null;
  readonly status: StageStatus;
  /** more than one when the stage ran again (after a pause or a retry) */
  readonly periods: readonly StagePeriod[];
  readonly checks: number;
  /** the samples metric's last value in the stage */
  readonly uniqueUsers: number | null;
  readonly criteria: readonly CriterionOutcome[];
  /** top messages of the errors query at the stage's last check; null: not measured */
  readonly errors: readonly ErrorCount[] | null;
  readonly decisions: readonly DecisionItem[];
  readonly approvedBy: readonly string[];
}

export interface RollbackReport {
  readonly at: string;
  readonly stage: string | null;
  /** the percent the toggle had when the rollback started */
  readonly percent: number;
  readonly reason: string | null;
  /** when the toggle write that turned it off succeeded; null: not (yet) */
  readonly toggleOffAt: string | null;
  readonly failedAttempts: number;
  readonly rolledBackAt: string | null;
}

export interface PostLaunchReport {
  /** `1-week`, `1-month`, or the offset as written (`10d`) */
  readonly label: string;
  readonly offset: string;
  /** completion + offset; null until the rollout completed */
  readonly dueAt: string | null;
  readonly measuredAt: string | null;
  readonly uniqueUsers: number | null;
  readonly criteria: readonly CriterionOutcome[];
  readonly errors: readonly ErrorCount[] | null;
}

export interface ReportModel {
  readonly rollout: string;
  readonly description: string | null;
  readonly toggle: { readonly provider: string; readonly feature: string; readonly gate: string } | null;
  readonly timezone: string;
  readonly generatedAt: string;
  readonly state: RolloutState;
  readonly percent: number;
  readonly reason: string | null;
  /** every gate that exposed users at the last check that read the toggle; null: none did */
  readonly exposure: string | null;
  readonly startedAt: string | null;
  /** completion or end of the rollback */
  readonly endedAt: string | null;
  readonly successCriteria: readonly string[];
  readonly rollbackCriteria: readonly string[];
  readonly samplesMetric: string | null;
  readonly stages: readonly StageReport[];
  readonly rollbacks: readonly RollbackReport[];
  readonly postLaunch: readonly PostLaunchReport[];
  readonly cleanup: string;
}
