import { describe, expect, it } from 'vitest';
import { diffRollouts, mergeWithLastGood } from '../../src/controller/rollout-diff.js';
import type { Rollout } from '../../src/rollout/types.js';
import { twoStageRollout } from '../runtime/two-stage.js';

function rollout(name: string, specHash = `sha256:${name}`): Rollout {
  return { ...twoStageRollout(name), specHash, source: `rollouts/${name}.yaml` };
}

const byName = (...rs: Rollout[]) => new Map(rs.map((r) => [r.name, r]));

describe('diffRollouts', () => {
  it('reports added, changed (by hash only) and removed rollouts', () => {
    const a = rollout('a');
    const b = rollout('b');
    const c = rollout('c');
    const b2 = rollout('b', 'sha256:b-edited');
    // same hash, different object (a reformatted file): not a change
    const aReloaded = { ...rollout('a'), description: 'reformatted' };
    const changes = diffRollouts(byName(a, b, c), byName(aReloaded, b2, rollout('d')));
    expect(changes.map((ch) => `${ch.type} ${'rollout' in ch ? ch.rollout.name : ch.previous.name}`)).toEqual(
      ['changed b', 'added d', 'removed c'],
    );
    const changed = changes.find((ch) => ch.type === 'changed');
    expect(changed).toMatchObject({
      rollout: { specHash: 'sha256:b-edited' },
      previous: { specHash: 'sha256:b' },
    });
  });

  it('is empty when nothing changed', () => {
    const a = rollout('a');
    expect(diffRollouts(byName(a), byName(rollout('a')))).toEqual([]);
  });
});

describe('mergeWithLastGood', () => {
  it('keeps the last valid version of a file that is now broken', () => {
    const good = rollout('a');
    const next = mergeWithLastGood(byName(good), [], new Set(['rollouts/a.yaml']));
    expect(next.get('a')).toBe(good);
  });

  it('drops a rollout whose file is gone (not broken) and prefers a fresh load', () => {
    const old = rollout('a');
    const fresh = rollout('a', 'sha256:new');
    expect(mergeWithLastGood(byName(old), [], new Set()).has('a')).toBe(false);
    const next = mergeWithLastGood(byName(old), [fresh], new Set(['rollouts/a.yaml']));
    expect(next.get('a')).toBe(fresh);
  });

  it('keeps nothing for a rollout with no known source file', () => {
    const noSource = { ...rollout('a'), source: undefined };
    expect(mergeWithLastGood(byName(noSource), [], new Set(['rollouts/a.yaml'])).size).toBe(0);
  });
});
