import { describe, expect, it } from 'vitest';
import {
  compareExposure,
  confirmDrift,
  exposureOf,
  formatExposure,
  readConfirmed,
  type ExpectedExposure,
} from '../../src/ports/toggle-exposure.js';
import type { ToggleProvider, ToggleState } from '../../src/ports/toggle-provider.js';
import { toggleState, type GateFields } from '../../src/providers/toggles/toggle-state.js';

function state(partial: Partial<GateFields> = {}): ToggleState {
  return toggleState({
    feature: 'ebg',
    exists: true,
    enabled: false,
    percentageOfActors: 0,
    percentageOfTime: 0,
    expression: null,
    actors: [],
    groups: [],
    ...partial,
  });
}

const AT_25: ExpectedExposure = { gate: 'percentage_of_actors', percent: 25 };

describe('exposureOf', () => {
  it.each([
    ['nothing set', {}, [], 0, 0],
    ['25% of actors', { percentageOfActors: 25 }, ['percentage_of_actors'], 25, 0],
    [
      'both percentages are OR-ed',
      { percentageOfActors: 25, percentageOfTime: 10 },
      ['percentage_of_actors', 'percentage_of_time'],
      32.5,
      10,
    ],
    [
      'boolean is everyone',
      { enabled: true, percentageOfActors: 5 },
      ['boolean', 'percentage_of_actors'],
      100,
      100,
    ],
    [
      'allow-lists and expression',
      { actors: ['User;1'], groups: ['staff'], expression: '{"Boolean":[true]}' },
      ['expression', 'actors', 'groups'],
      0,
      0,
    ],
    ['a missing feature exposes nobody', { exists: false, percentageOfActors: 50 }, [], 0, 0],
  ] as const)('%s', (_label, partial, gates, actorPercent, anonymousPercent) => {
    expect(exposureOf(state(partial))).toEqual({ gates, actorPercent, anonymousPercent });
  });

  it('works on a state recorded before expression existed', () => {
    const old = {
      exists: true,
      enabled: false,
      percentageOfActors: 5,
      percentageOfTime: 0,
      actors: [],
      groups: [],
    };
    expect(exposureOf(old as unknown as ToggleState).gates).toEqual(['percentage_of_actors']);
  });
});

describe('formatExposure', () => {
  it.each([
    [{ exists: false }, 'feature does not exist'],
    [{}, 'off (no gate exposes users)'],
    [{ enabled: true }, 'on for everyone (boolean gate)'],
    [{ percentageOfActors: 25 }, '25% of actors (25% of checks with an actor, 0% without)'],
    [{ percentageOfTime: 10 }, '10% of time (10% of checks)'],
    [
      { percentageOfActors: 25, percentageOfTime: 10, actors: ['User;1', 'User;2'] },
      '2 actors + 25% of actors + 10% of time (32.5% of checks with an actor, 10% without, more through allow-lists or the expression)',
    ],
    [
      { groups: ['staff'], expression: '{"Boolean":[true]}' },
      'expression + 1 group (0% of checks, more through allow-lists or the expression)',
    ],
  ] as const)('%j → %s', (partial, text) => {
    expect(formatExposure(state(partial))).toBe(text);
  });
});

describe('compareExposure: drift is any exposure change stagegate did not make', () => {
  it.each([
    ['as set', AT_25, {}, []],
    [
      'actors added by hand (UAT allow-list) are not drift',
      AT_25,
      { actors: ['User;9'], groups: ['uat'] },
      [],
    ],
    ['the rollout gate changed', AT_25, { percentageOfActors: 30 }, [['percentage_of_actors', '25%', '30%']]],
    ['a hand-set percentage_of_time', AT_25, { percentageOfTime: 10 }, [['percentage_of_time', '0%', '10%']]],
    [
      'an expression set by hand',
      AT_25,
      { expression: '{"Boolean":[true]}' },
      [['expression', 'unset', '{"Boolean":[true]}']],
    ],
    ['the boolean gate turned on', AT_25, { enabled: true }, [['boolean', 'off', 'on']]],
    ['the feature deleted', AT_25, { exists: false }, [['feature', 'exists', 'missing']]],
    [
      'a feature missing at 0% is no change',
      { ...AT_25, percent: 0 },
      { exists: false, percentageOfActors: 0 },
      [],
    ],
    [
      'enabled on complete: only the boolean gate counts',
      { ...AT_25, percent: 100, enabled: true },
      { enabled: true },
      [],
    ],
    [
      'enabled on complete, turned off by hand',
      { ...AT_25, percent: 100, enabled: true },
      { enabled: false },
      [['boolean', 'on', 'off']],
    ],
  ] as const)('%s', (_label, expected, partial, changes) => {
    const actual = state({ percentageOfActors: 25, ...partial });
    const result = compareExposure(expected, actual);
    if (changes.length === 0) expect(result).toEqual({ kind: 'ok' });
    else {
      expect(result.kind).toBe('drift');
      if (result.kind === 'drift') {
        expect(result.changes.map((c) => [c.gate, c.expected, c.actual])).toEqual(changes);
        expect(result.reason).toMatch(/^drift: /);
      }
    }
  });

  it('says what changed in the reason', () => {
    const result = compareExposure(AT_25, state({ percentageOfActors: 25, percentageOfTime: 10 }));
    expect(result).toMatchObject({ reason: 'drift: percentage_of_time is 10% (stagegate set 0%)' });
  });
});

describe('drift confirmed by a second read', () => {
  const drift = compareExposure(AT_25, state({ percentageOfTime: 10, percentageOfActors: 25 }));
  it.each([
    ['ok, ok', { kind: 'ok' } as const, { kind: 'ok' } as const, 'ok'],
    ['drift, ok: one anomalous read', drift, { kind: 'ok' } as const, 'ok'],
    ['drift, drift', drift, drift, 'drift'],
  ])('%s → %s', (_label, first, second, kind) => {
    expect(confirmDrift(first, second).kind).toBe(kind);
  });

  function sequence(...states: ToggleState[]): ToggleProvider & { reads: number } {
    const p = {
      name: 'seq',
      reads: 0,
      read: async () => states[Math.min(p.reads++, states.length - 1)] as ToggleState,
      setPercent: async () => state(),
      disable: async () => state(),
      enable: async () => state(),
    };
    return p;
  }

  it('one read when the toggle matches', async () => {
    const p = sequence(state({ percentageOfActors: 25 }));
    expect(await readConfirmed(p, 'ebg', AT_25)).toMatchObject({
      reads: 1,
      anomalous: false,
      comparison: { kind: 'ok' },
    });
    expect(p.reads).toBe(1);
  });

  it('a 200 with empty gates once, then the real state: not drift, flagged anomalous', async () => {
    const p = sequence(state(), state({ percentageOfActors: 25 }));
    const read = await readConfirmed(p, 'ebg', AT_25);
    expect(read).toMatchObject({ reads: 2, anomalous: true, comparison: { kind: 'ok' } });
    expect(read.state.percentageOfActors).toBe(25);
  });

  it('drift seen twice is drift, with the second read as the state', async () => {
    const p = sequence(
      state({ percentageOfTime: 5, percentageOfActors: 25 }),
      state({ percentageOfTime: 10, percentageOfActors: 25 }),
    );
    const read = await readConfirmed(p, 'ebg', AT_25);
    expect(read.comparison).toMatchObject({
      kind: 'drift',
      reason: 'drift: percentage_of_time is 10% (stagegate set 0%)',
    });
    expect(p.reads).toBe(2);
  });
});
