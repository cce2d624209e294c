import type { EngineEvent, EngineStateName, OperatorEventType } from '../../src/engine/context.js';
import { RolloutEngine } from '../../src/engine/rollout-engine.js';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import type { ToggleIntent } from '../../src/ports/state-store.js';
import type { ToggleState } from '../../src/ports/toggle-provider.js';
import type { Rollout } from '../../src/rollout/types.js';
import { HOUR, MIN, T0, healthy, makeRollout, stage, toggleAt } from './rollout-factory.js';

/*
 * Events as the runtime sends them, and engines driven into each state
 * through the real machine (never by hand-made contexts).
 */

export function tick(
  now: number,
  measurements: Record<string, Measurement> = healthy(),
  toggle?: ToggleState | null,
): EngineEvent {
  return { type: 'TICK', now, measurements, toggle: toggle === undefined ? null : toggle };
}

export function op(type: OperatorEventType, now: number, reason: string | null = null): EngineEvent {
  return { type, now, by: 'alice', reason };
}

/** What the toggle reads after applying `intent` successfully. */
export function stateAfter(intent: ToggleIntent): ToggleState {
  if (intent.action === 'enable') return { ...toggleAt(100), enabled: true };
  if (intent.action === 'disable') return toggleAt(0);
  return toggleAt(intent.percent);
}

/** Applies the due intent, as the runtime does after every event. */
export function applyDue(engine: RolloutEngine, now: number): void {
  const intent = engine.writeDue(now);
  if (intent) engine.send({ type: 'TOGGLE_APPLIED', now, state: stateAfter(intent), intentId: intent.id });
}

/** Canary 10% → half 50% (approval required) → full 100%, one hour each. */
export function approvalRollout(overrides: Parameters<typeof makeRollout>[0] = {}): Rollout {
  return makeRollout({
    stages: [stage('canary', 10), stage('half', 50, { approval: true }), stage('full', 100)],
    ...overrides,
  });
}

/** The time of the last event sent by engineIn. */
export const READY_AT = T0 + HOUR;

/** An engine in `state`, reached through real events. */
export function engineIn(state: EngineStateName, rollout: Rollout = approvalRollout()): RolloutEngine {
  const e = RolloutEngine.create(rollout);
  const send = (event: EngineEvent): void => void e.send(event);
  if (state === 'pending') return e;
  send(tick(T0, {}));
  if (state === 'running.applying') return e;
  send({ type: 'TOGGLE_APPLIED', now: T0, state: toggleAt(10) });
  switch (state) {
    case 'running.observing':
      return e;
    case 'running.awaitingApproval':
      send(tick(READY_AT, healthy(), toggleAt(10)));
      return e;
    case 'paused':
      send(op('PAUSE', T0 + 5 * MIN, 'looking at logs'));
      return e;
    case 'rollingBack':
      send(op('ABORT', T0 + 5 * MIN, 'bad emails'));
      return e;
    case 'rolledBack':
      send(op('ABORT', T0 + 5 * MIN, 'bad emails'));
      send({ type: 'TOGGLE_APPLIED', now: T0 + 5 * MIN, state: toggleAt(0) });
      return e;
    case 'completed':
      for (const percent of [50, 100]) {
        send(op('PROMOTE', T0 + 5 * MIN));
        send({ type: 'TOGGLE_APPLIED', now: T0 + 5 * MIN, state: toggleAt(percent) });
      }
      send(op('PROMOTE', T0 + 10 * MIN));
      return e;
  }
  return e;
}
