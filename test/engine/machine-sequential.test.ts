import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/context.js';
import { MACHINE_VERSION } from '../../src/engine/context.js';
import { RolloutEngine } from '../../src/engine/rollout-engine.js';
import { decodeHistoryEntry } from '../../src/ports/history.js';
import { loadRolloutFile } from '../../src/rollout/loader.js';
import { applyDue } from './engine-helpers.js';
import { MIN, T0, makeRollout, ratio, ratioMetric, toggleAt, value, valueMetric } from './rollout-factory.js';

/*
 * The sequential decisions inside the machine: the detector's state in the
 * snapshot, never counting an increment twice, reset with the stage; the
 * failing rule; and v1 snapshots (written by the code before version 2) restored.
 */

const rollout = makeRollout({
  metrics: [ratioMetric('error_rate', { kind: 'duration', ms: 15 * MIN }), valueMetric('sent')],
  rollback: ['error_rate > 5%'],
});

function started(r = rollout): RolloutEngine {
  const e = RolloutEngine.create(r);
  e.send({ type: 'TICK', now: T0, measurements: {}, toggle: null });
  applyDue(e, T0);
  return e;
}

function tickWith(now: number, events: number, trials: number): EngineEvent {
  return {
    type: 'TICK',
    now,
    measurements: { error_rate: ratio(events, trials), sent: value(trials) },
    toggle: toggleAt(10),
    increments: { error_rate: { from: now - 5 * MIN, to: now, events, trials } },
  };
}

const restored = (e: RolloutEngine, r = rollout): RolloutEngine =>
  RolloutEngine.create(r, JSON.parse(JSON.stringify(e.persisted())));

describe('the rollback detector in the machine context', () => {
  it('accumulates evidence check by check and keeps it across a restore', () => {
    const e = started();
    e.send(tickWith(T0 + 5 * MIN, 3, 30));
    const s1 = e.context().counters.detectors?.['error_rate > 5%'];
    expect(s1).toMatchObject({ through: T0 + 5 * MIN, trials: 30, events: 3 });
    const again = restored(e);
    again.send(tickWith(T0 + 10 * MIN, 3, 30));
    expect(again.context().counters.detectors?.['error_rate > 5%']).toMatchObject({ trials: 60, events: 6 });
  });

  it('a redone step (the same increment again, e.g. after a restart) counts nothing twice', () => {
    const e = started();
    e.send(tickWith(T0 + 5 * MIN, 3, 30));
    const before = e.context().counters.detectors?.['error_rate > 5%'];
    const redo = restored(e);
    redo.send(tickWith(T0 + 5 * MIN, 3, 30));
    expect(redo.context().counters.detectors?.['error_rate > 5%']).toEqual(before);
  });

  it('rolls back on the check whose increment carries the evidence, and says so', () => {
    const e = started();
    e.send(tickWith(T0 + 5 * MIN, 1, 100));
    expect(e.state()).toBe('running.observing');
    const d = e.send(tickWith(T0 + 10 * MIN, 30, 100)).decision;
    expect(d?.action).toBe('rollback');
    expect(d?.reasons[0]).toMatch(
      /^error_rate 30% \(30\/100\) breaches > 5%: evidence \d+(\.\d)? of \d+(\.\d)? \(CUSUM/,
    );
    expect(e.state()).toBe('rollingBack');
  });

  it('starts again from zero when the next stage begins', () => {
    const r = makeRollout({
      metrics: [ratioMetric('error_rate', { kind: 'duration', ms: 15 * MIN }), valueMetric('sent')],
      rollback: ['error_rate > 5%'],
      advance: [],
      samples: undefined,
      stages: [
        { name: 'canary', percent: 10, minDurationMs: 5 * MIN, minSamples: undefined, approval: false },
        { name: 'full', percent: 100, minDurationMs: 60 * MIN, minSamples: undefined, approval: false },
      ],
    });
    const e = started(r);
    e.send(tickWith(T0 + 5 * MIN, 1, 100));
    expect(e.state()).toBe('running.applying');
    applyDue(e, T0 + 5 * MIN);
    expect(e.context().stageName).toBe('full');
    expect(e.context().counters.detectors).toBeUndefined();
    expect(e.context().counters.increments).toBeUndefined();
  });
});

describe('a definitely failing advance criterion', () => {
  const failing = (onFailing?: 'pause' | 'rollback' | 'hold') =>
    makeRollout({
      metrics: [ratioMetric('click_through'), valueMetric('sent')],
      advance: ['click_through > 95%'],
      rollback: [],
      policy: { failingForMs: 60 * MIN, ...(onFailing && { onFailing }) },
    });
  const clicks = (now: number): EngineEvent => ({
    type: 'TICK',
    now,
    measurements: { click_through: ratio(850 * (1 + (now - T0) / MIN), 1000 * (1 + (now - T0) / MIN)) },
    toggle: toggleAt(10),
  });

  it('pauses after failingFor with reason `failing: …` and a paused notice', () => {
    const e = started(failing());
    let last = e.send(clicks(T0 + 5 * MIN));
    for (let t = 10; t <= 65 && e.state() !== 'paused'; t += 5) last = e.send(clicks(T0 + t * MIN));
    expect(e.state()).toBe('paused');
    expect(e.context().pause?.kind).toBe('failing');
    expect(e.context().reason).toMatch(/^failing: click_through > 95% for 1h: /);
    expect(last.notices.map((n) => n.type)).toEqual(['paused']);
    expect(e.context().lastCheck).toBe(T0 + 65 * MIN);
  });

  it('onFailing: rollback rolls back instead; hold keeps holding', () => {
    const rb = started(failing('rollback'));
    for (let t = 5; t <= 65; t += 5) rb.send(clicks(T0 + t * MIN));
    expect(rb.state()).toBe('rollingBack');
    const hold = started(failing('hold'));
    for (let t = 5; t <= 65; t += 5) hold.send(clicks(T0 + t * MIN));
    expect(hold.state()).toBe('running.observing');
  });
});

describe('a v1 snapshot written by the code before machine version 2', () => {
  const dir = resolve(import.meta.dirname, '../fixtures/snapshot-v1');
  const record = JSON.parse(readFileSync(`${dir}/record.json`, 'utf8')) as { snapshot: unknown };
  const history = JSON.parse(readFileSync(`${dir}/history.json`, 'utf8')) as unknown[];

  it('is migrated on restore and keeps its place, streak and protection', async () => {
    const spec = await loadRolloutFile(resolve(import.meta.dirname, '../fixtures/series/ebg-emails.yaml'));
    expect((record.snapshot as { machineVersion: number }).machineVersion).toBe(1);
    const e = RolloutEngine.create(spec, record.snapshot);
    expect(e.persisted().machineVersion).toBe(MACHINE_VERSION);
    expect(e.summary()).toMatchObject({ state: 'running', stage: 'stage-c', percent: 50 });
    expect(e.context().counters.breaches).toEqual({ 'error_rate > 5% for 2 checks': 1 });
    // the next check counts the stage so far once and completes the streak: a rollback
    const at = (e.context().lastCheck ?? 0) + 15 * MIN;
    const d = e.send({
      type: 'TICK',
      now: at,
      measurements: { error_rate: ratio(600, 5000), sent: value(5000), click_through: ratio(2000, 5000) },
      toggle: toggleAt(50),
    }).decision;
    expect(d?.action).toBe('rollback');
    expect(d?.reasons[0]).toContain('for 2 of 2 checks');
  });

  it('and its history still decodes entry by entry', () => {
    const decoded = history.map(decodeHistoryEntry);
    expect(decoded.filter((x) => !x.ok)).toEqual([]);
    expect(decoded.length).toBe(history.length);
    expect(decoded.some((x) => x.ok && x.value.type === 'check')).toBe(true);
  });
});
