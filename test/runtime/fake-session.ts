import type {
  EngineSession,
  OperatorCommand,
  StepOutcome,
  TickInput,
} from '../../src/runtime/engine-session.js';
import type { RolloutRecord, RolloutState, ToggleIntent } from '../../src/ports/state-store.js';
import type { ToggleState } from '../../src/ports/toggle-provider.js';
import type { Rollout } from '../../src/rollout/types.js';

/*
 * A tiny scripted engine for runner tests: every check advances one stage,
 * unless metric `x` is above 10, which rolls back. Its state is plain JSON,
 * restored from the record like the real engine's snapshot.
 */
interface FakeState {
  state: RolloutState;
  index: number;
  percent: number;
  intent: ToggleIntent | null;
  retryAt: number | null;
  ticks: number;
  lastCheck: number | null;
}

export const PERCENTS = [5, 50, 100];
let ids = 0;

export function fakeSession(
  rollout: Rollout,
  record: RolloutRecord | undefined,
  onTick?: () => void,
): EngineSession {
  const s: FakeState = record
    ? (structuredClone(record.snapshot) as FakeState)
    : { state: 'running', index: -1, percent: 0, intent: null, retryAt: null, ticks: 0, lastCheck: null };
  const outcome = (from: RolloutState, reason: string | null = null): StepOutcome => ({
    transitions:
      from === s.state ? [] : [{ from, to: s.state, stage: String(s.index), percent: s.percent, reason }],
    notices:
      from !== s.state && s.state === 'rolled_back'
        ? [
            {
              type: 'rolled_back',
              rollout: rollout.name,
              feature: rollout.toggle.feature,
              stage: String(s.index),
              percent: s.percent,
              at: 0,
              reason,
              readings: [],
            },
          ]
        : [],
    decision: null,
  });
  return {
    rollout,
    wantsMeasurements: () => s.state === 'running',
    stageStart: (now) => now - 5_000,
    tick(input: TickInput): StepOutcome {
      onTick?.();
      const from = s.state;
      s.ticks++;
      s.lastCheck = input.now;
      const x = input.measurements.x;
      if (x && x.kind === 'value' && x.value > 10) {
        s.state = 'rolling_back';
        s.intent = {
          id: `i${++ids}`,
          action: 'disable',
          percent: 0,
          gate: 'percentage_of_actors',
          mode: 'zero',
          at: input.now,
        };
        return {
          ...outcome(from, 'x > 10'),
          decision: {
            action: 'rollback',
            reasons: ['x > 10'],
            results: [
              {
                text: 'x > 10',
                metric: 'x',
                kind: 'rollback',
                verdict: 'breach',
                value: x.value,
                interval: null,
                reason: 'x 12 > 10',
              },
            ],
            raw: null,
          },
        };
      }
      const next = PERCENTS[s.index + 1];
      if (next !== undefined && s.intent === null) {
        s.intent = {
          id: `i${++ids}`,
          action: 'set',
          percent: next,
          gate: 'percentage_of_actors',
          at: input.now,
        };
      }
      return {
        ...outcome(from),
        decision: { action: next === undefined ? 'hold' : 'advance', reasons: [], results: [], raw: null },
      };
    },
    canAccept: (cmd: OperatorCommand) =>
      cmd === 'pause' && s.state !== 'paused'
        ? { ok: true }
        : { ok: false, reason: `cannot ${cmd} when ${s.state}` },
    command(_cmd, meta) {
      const from = s.state;
      s.state = 'paused';
      return outcome(from, meta.reason);
    },
    toggleApplied(_now: number, state: ToggleState): StepOutcome {
      const from = s.state;
      if (s.intent?.action === 'set') s.index++;
      s.percent = state.percentageOfActors;
      s.intent = null;
      s.retryAt = null;
      if (s.state === 'rolling_back') s.state = 'rolled_back';
      return outcome(from);
    },
    toggleFailed(now: number): StepOutcome {
      s.retryAt = now + 1_000;
      return outcome(s.state);
    },
    intent: () => s.intent,
    retryAt: () => s.retryAt,
    persisted: () => structuredClone(s),
    summary: () => ({
      state: s.state,
      stage: s.index < 0 ? null : String(s.index),
      stageIndex: Math.max(0, s.index),
      percent: s.percent,
      reason: null,
      lastCheck: s.lastCheck,
    }),
  };
}
