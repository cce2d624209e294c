import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineEvent, OperatorEventType } from '../../src/engine/context.js';
import { decide, ZERO_COUNTERS } from '../../src/engine/decide.js';
import { RolloutEngine } from '../../src/engine/rollout-engine.js';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import type { Rollout } from '../../src/rollout/types.js';
import {
  HOUR,
  MIN,
  NO_DATA,
  PROVIDER_ERROR,
  T0,
  breaching,
  makeRollout,
  ratio,
  stage,
  toggleAt,
  value,
} from './rollout-factory.js';
import { stateAfter } from './engine-helpers.js';

/*
 * The invariants of issue 3, over random rollouts, measurements and event
 * sequences: never advance without every gate open; the percent only grows,
 * except to the rollback value; a sustained breach always ends rolled back;
 * a restored snapshot behaves exactly like the live engine.
 */

const WEEKDAYS = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, startMinute: 540, endMinute: 1020 };

const rolloutArb: fc.Arbitrary<Rollout> = fc
  .record({
    approval: fc.boolean(),
    window: fc.boolean(),
    minSamples: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
    forChecks: fc.integer({ min: 1, max: 3 }),
    noData: fc.constantFrom('hold' as const, 'pause' as const, 'rollback' as const),
    onComplete: fc.constantFrom('keep' as const, 'enable' as const),
    manual: fc.boolean(),
  })
  .map((o) =>
    makeRollout({
      stages: [
        stage('canary', 10, { minSamples: o.minSamples }),
        stage('half', 50, { approval: o.approval }),
        stage('full', 100),
      ],
      rollback: [`error_rate > 5% for ${o.forChecks} checks`],
      advance: ['error_rate < 5%'],
      advanceDuring: o.window ? WEEKDAYS : undefined,
      start: o.manual ? { kind: 'manual' } : { kind: 'immediately' },
      policy: { noData: o.noData, maxStageDurationMs: 6 * HOUR, maxConsecutiveErrors: 2 },
      toggle: { onComplete: o.onComplete },
    }),
  );

const measurementArb: fc.Arbitrary<Measurement> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 3000 }), fc.double({ min: 0, max: 0.3, noNaN: true }))
    .map(([n, rate]) => ratio(Math.round(n * rate), n)),
  fc.constant(NO_DATA),
  fc.constant(PROVIDER_ERROR),
);

const measurementsArb = fc.record({
  error_rate: measurementArb,
  sent: fc.oneof(fc.integer({ min: 0, max: 3000 }).map(value), fc.constant(NO_DATA)),
});

describe('decide: never advances unless every advance criterion passes and every gate is open', () => {
  it('holds for any rollout, stage, time, counters and measurements', () => {
    fc.assert(
      fc.property(
        rolloutArb,
        fc.integer({ min: -1, max: 2 }),
        fc.integer({ min: 0, max: 8 * 24 * 60 }),
        fc.integer({ min: 0, max: 600 }),
        fc.boolean(),
        fc.nat({ max: 3 }),
        measurementsArb,
        (rollout, stageIndex, minutes, inStage, approved, breaches, measurements) => {
          const now = T0 + minutes * MIN;
          const d = decide({
            rollout,
            now,
            stageIndex,
            stageStartedAt: now - inStage * MIN,
            stageDeadline: null,
            approved,
            counters: {
              ...ZERO_COUNTERS,
              breaches: { [rollout.criteria.rollback[0]?.text ?? '']: breaches },
            },
            measurements,
          });
          if (d.action === 'advance' || d.action === 'complete') {
            expect(d.gates.every((g) => g.open)).toBe(true);
            expect(d.results.filter((r) => r.kind === 'advance').every((r) => r.verdict === 'pass')).toBe(
              true,
            );
            expect(d.results.filter((r) => r.kind === 'rollback').every((r) => r.verdict !== 'breach')).toBe(
              true,
            );
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

type Step =
  | {
      readonly kind: 'tick';
      readonly minutes: number;
      readonly m: Record<string, Measurement>;
      readonly drift: boolean;
    }
  | { readonly kind: 'op'; readonly type: OperatorEventType }
  | { readonly kind: 'write'; readonly ok: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      minutes: fc.integer({ min: 1, max: 90 }),
      m: measurementsArb,
      // one check in ten finds the toggle changed by hand
      drift: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('op' as const),
      type: fc.constantFrom<OperatorEventType>('PAUSE', 'RESUME', 'APPROVE', 'ABORT', 'PROMOTE', 'RETRY'),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('write' as const), ok: fc.boolean() }) },
);

/** Turns a step into the event the runtime would send now, given the engine's state. */
function toEvent(engine: RolloutEngine, step: Step, clock: { now: number }): EngineEvent | null {
  switch (step.kind) {
    case 'tick': {
      clock.now += step.minutes * MIN;
      const applied = engine.context().appliedPercent;
      return {
        type: 'TICK',
        now: clock.now,
        measurements: step.m,
        toggle: toggleAt(step.drift ? (applied + 7) % 100 : applied),
      };
    }
    case 'op':
      return { type: step.type, now: clock.now, by: 'prop', reason: null };
    case 'write': {
      const intent = engine.intent();
      if (!intent) return null;
      return step.ok
        ? { type: 'TOGGLE_APPLIED', now: clock.now, state: stateAfter(intent), intentId: intent.id }
        : { type: 'TOGGLE_FAILED', now: clock.now, error: 'HTTP 503', intentId: intent.id };
    }
  }
}

describe('the percent never decreases except to the rollback value', () => {
  it('over random event sequences', () => {
    fc.assert(
      fc.property(rolloutArb, fc.array(stepArb, { maxLength: 60 }), (rollout, steps) => {
        const engine = RolloutEngine.create(rollout);
        const clock = { now: T0 };
        let percent = engine.summary().percent;
        for (const step of steps) {
          const event = toEvent(engine, step, clock);
          if (!event) continue;
          engine.send(event);
          const next = engine.summary();
          if (next.percent < percent) {
            expect(next.percent).toBe(0);
            expect(next.state).toBe('rolled_back');
          }
          percent = next.percent;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('a sustained breach always ends in rolledBack', () => {
  it('from any state the rollout can reach with users exposed, drift-paused included', () => {
    fc.assert(
      fc.property(rolloutArb, fc.array(stepArb, { maxLength: 40 }), (rollout, steps) => {
        const engine = RolloutEngine.create(rollout);
        const clock = { now: T0 };
        for (const step of steps) {
          const event = toEvent(engine, step, clock);
          if (event) engine.send(event);
        }
        const c = engine.context();
        // users are exposed once a write has landed; a first write that never landed exposed nobody
        const exposed = c.appliedPercent > 0;
        const beforeStart = engine.state() === 'pending' || c.pause?.resumeTo === 'pending';
        // completing: the write that enables the toggle for everyone is due first and ends the rollout
        // (a completed rollout has post-launch check-ins and `abort`, not rollback criteria)
        const completing = engine.intent()?.action === 'enable';
        fc.pre(exposed && !beforeStart && !completing && engine.state() !== 'completed');
        const forChecks = rollout.criteria.rollback[0]?.forChecks ?? 1;
        // the runtime keeps checking and applies every due write; the breach never lets up
        for (let i = 0; i < forChecks + 3 && engine.state() !== 'rolledBack'; i++) {
          clock.now += 5 * MIN;
          const intent = engine.writeDue(clock.now);
          if (intent)
            engine.send({
              type: 'TOGGLE_APPLIED',
              now: clock.now,
              state: stateAfter(intent),
              intentId: intent.id,
            });
          if (engine.state() === 'rolledBack') break;
          // the rollback detector counts new observations: each check brings 500 more at 20% errors
          engine.send({
            type: 'TICK',
            now: clock.now,
            measurements: breaching(),
            toggle: toggleAt(engine.context().appliedPercent),
            increments: {
              error_rate: { from: clock.now - 5 * MIN, to: clock.now, events: 100, trials: 500 },
            },
          });
          const rollback = engine.writeDue(clock.now);
          if (rollback?.action === 'disable') {
            engine.send({
              type: 'TOGGLE_APPLIED',
              now: clock.now,
              state: stateAfter(rollback),
              intentId: rollback.id,
            });
          }
        }
        expect(engine.state()).toBe('rolledBack');
      }),
      { numRuns: 300 },
    );
  });
});

describe('a restored snapshot behaves exactly like the live engine', () => {
  it('restored from JSON after every event, it gives the same results and the same snapshots', () => {
    fc.assert(
      fc.property(rolloutArb, fc.array(stepArb, { maxLength: 50 }), (rollout, steps) => {
        const live = RolloutEngine.create(rollout);
        const clock = { now: T0 };
        for (const step of steps) {
          const event = toEvent(live, step, clock);
          if (!event) continue;
          const restored = RolloutEngine.create(rollout, JSON.parse(JSON.stringify(live.persisted())));
          expect(restored.persisted()).toEqual(live.persisted());
          expect(restored.send(event)).toEqual(live.send(event));
          expect(restored.persisted()).toEqual(live.persisted());
        }
      }),
      { numRuns: 200 },
    );
  });
});
