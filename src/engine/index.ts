/*
 * The decision engine: pure decisions and statistics, and the xstate rollout
 * machine (DESIGN.md §3, §4). Nothing here reads the clock, the network or
 * the environment; time and measurements are inputs.
 *
 * For the runtime (controller, CLI operator commands):
 *   RolloutEngine.create(rollout, persisted?)   fresh, or restored (throws E_SNAPSHOT_INVALID)
 *   engine.send(event): StepResult             TICK | PAUSE | RESUME | APPROVE | ABORT | PROMOTE | RETRY
 *                                              | TOGGLE_APPLIED | TOGGLE_FAILED; refused operator commands
 *                                              come back { accepted: false, refusal } and change nothing
 *   engine.canAccept(command)                  { ok: true } | { ok: false, reason } for the CLI to print
 *   engine.wantsMeasurements()                 query metrics for this TICK? (running, and paused unless drift)
 *   engine.stageStartedAt()                    where `window: stage` begins
 *   engine.intent() / retryAt() / writeDue(now) the toggle write to persist, then apply, then report
 *   engine.persisted()                         { machineVersion, rollout, state, context }, plain JSON
 *   engine.summary(): RolloutSummary           what `status` shows
 *   engine.lastDecision(): Decision | null     the latest check's verdicts and reasons
 *   StepResult.notices: RolloutEvent[]         what notifiers should hear, in order
 *   StepResult.transitions                     state changes, for history
 *
 * Pure building blocks (for `query`, reports, tests and the benchmark):
 *   judgeCriterion(criterion, kind, measurement, { confidence, look? }): CriterionResult
 *   decide(input, judge?): Decision
 *   wilsonInterval, clopperPearsonInterval, lookConfidence, normalQuantile (stats.ts)
 *   simulate(options): SimulationResult         a rollout on a virtual clock (stagegate simulate)
 */

export {
  ENGINE_STATES,
  MACHINE_VERSION,
  rolloutStateOf,
  writeBackoffMs,
  type EngineContext,
  type EngineEvent,
  type EngineStateName,
  type OperatorEvent,
  type OperatorEventType,
  type PauseKind,
  type TickEvent,
  type ToggleAppliedEvent,
  type ToggleFailedEvent,
} from './context.js';
export {
  decide,
  neededMetrics,
  ZERO_COUNTERS,
  type DecideInput,
  type Decision,
  type DecisionAction,
  type DecisionCause,
  type DecisionCounters,
  type GateName,
  type GateResult,
  type JudgeFn,
} from './decide.js';
export {
  formatConfidence,
  formatCount,
  formatInterval,
  formatThreshold,
  formatValue,
  stageLabel,
} from './format.js';
export {
  compare,
  judgeCriterion,
  type CriterionKind,
  type CriterionResult,
  type JudgeOptions,
  type Verdict,
} from './judge.js';
export { insideAdvanceWindow, localClock, type LocalClock } from './local-time.js';
export { createRolloutMachine, type RolloutMachine, type RolloutSnapshot } from './machine.js';
export { readingsOf } from './notices.js';
export { refusalReason, type Acceptance } from './operator.js';
export { RolloutEngine, isOperatorEvent, type StepResult, type Transition } from './rollout-engine.js';
export {
  simulate,
  type SimulationOptions,
  type SimulationResult,
  type StopReason,
  type TimelineEntry,
} from './simulation.js';
export { parsePersistedSnapshot, reconcileContext, type PersistedSnapshot } from './snapshot.js';
export {
  clopperPearsonInterval,
  lookConfidence,
  normalQuantile,
  wilsonInterval,
  zForConfidence,
  type Interval,
} from './stats.js';
