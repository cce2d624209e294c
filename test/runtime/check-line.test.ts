import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import { noopMetrics, type ControllerObserver } from '../../src/ports/observer.js';
import type { RolloutSummary } from '../../src/ports/state-store.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { logCheckLine } from '../../src/runtime/check-line.js';
import type { CheckDecision } from '../../src/runtime/engine-session.js';
import type { Step } from '../../src/runtime/step.js';
import { captureLogger } from '../store/helpers.js';
import { twoStageRollout } from './two-stage.js';

const rollout = twoStageRollout('r1');
const summary: RolloutSummary = {
  state: 'running',
  stage: 'canary',
  stageIndex: 0,
  percent: 5,
  reason: 'waiting for minDuration',
  lastCheck: 1,
};

function ticked(notices: Partial<RolloutEvent>[] = []): Step {
  return {
    session: { summary: () => summary },
    outcome: { notices, transitions: [], decision: null },
  } as unknown as Step;
}

function decision(action: string, reasons: string[] = []): CheckDecision {
  return { action, reasons, results: [], raw: null };
}

function spyObserver() {
  const checks: unknown[] = [];
  const observer: ControllerObserver = { ...noopMetrics, recordCheck: (c) => void checks.push(c) };
  return { observer, checks };
}

describe('logCheckLine', () => {
  it('writes one info `check` line with stage, decision, reasons, metrics and exposure, and counts it', async () => {
    const toggles = new MemoryToggleProvider({ features: [rollout.toggle.feature] });
    const toggle = await toggles.setPercent(rollout.toggle.feature, 5, 'percentage_of_actors');
    const cap = captureLogger();
    const { observer, checks } = spyObserver();
    const measurements: Record<string, Measurement> = { sent: { kind: 'value', value: 120 } };
    logCheckLine(
      {
        rollout,
        ticked: ticked(),
        decision: decision('hold', ['minDuration 4m of 10m', 'samples 120 of 150']),
        measurements,
        toggle,
        ms: 42,
      },
      cap.logger,
      observer,
    );
    expect(cap.lines).toHaveLength(1);
    expect(cap.lines[0]).toMatchObject({
      level: 30,
      msg: 'check',
      stage: 'canary',
      percent: 5,
      state: 'running',
      decision: 'hold',
      reason: 'minDuration 4m of 10m; samples 120 of 150',
      metrics: { sent: { value: 120, vs: [] } },
      exposure: '5% of actors (5% of checks with an actor, 0% without)',
      ms: 42,
    });
    expect(checks).toEqual([{ rollout: 'r1', decision: 'hold', measurements, criteria: rollout.criteria }]);
  });

  it('without a decision: action none, the summary reason, exposure null when the toggle was not read', () => {
    const cap = captureLogger();
    logCheckLine(
      { rollout, ticked: ticked(), decision: null, measurements: {}, toggle: null, ms: 1 },
      cap.logger,
    );
    expect(cap.lines[0]).toMatchObject({
      decision: 'none',
      reason: 'waiting for minDuration',
      exposure: null,
    });
  });

  it('a provider error: the check line is a warning, followed by one warn line per failing metric', () => {
    const cap = captureLogger();
    const measurements: Record<string, Measurement> = {
      error_rate: { kind: 'error', code: 'E_PROVIDER_UNREACHABLE', message: 'timeout after 10s' },
      sent: { kind: 'value', value: 1 },
    };
    logCheckLine(
      { rollout, ticked: ticked(), decision: decision('hold'), measurements, toggle: null, ms: 1 },
      cap.logger,
    );
    expect(cap.lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'check'],
      [40, 'metrics provider error'],
    ]);
    expect(cap.lines[1]).toMatchObject({
      metric: 'error_rate',
      code: 'E_PROVIDER_UNREACHABLE',
      error: 'timeout after 10s',
    });
  });

  it('a rollback is an error line; a stage held too long adds its warning after the check line', () => {
    const cap = captureLogger();
    logCheckLine(
      {
        rollout,
        ticked: ticked(),
        decision: decision('rollback', ['error_rate > 5%']),
        measurements: {},
        toggle: null,
        ms: 1,
      },
      cap.logger,
    );
    logCheckLine(
      {
        rollout,
        ticked: ticked([{ type: 'held_too_long' }]),
        decision: decision('hold'),
        measurements: {},
        toggle: null,
        ms: 1,
      },
      cap.logger,
    );
    expect(cap.lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'check'],
      [40, 'check'],
      [40, 'stage held too long'],
    ]);
    expect(cap.lines[2]).toMatchObject({ stage: 'canary', reason: 'waiting for minDuration' });
  });
});
