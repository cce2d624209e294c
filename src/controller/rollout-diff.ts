import type { Rollout } from '../rollout/types.js';

/*
 * What changed between two loads of the rollouts dir, by rollout name. A spec
 * counts as changed when its hash differs (the hash covers the normalized
 * spec, so reformatting a file or reordering keys is not a change).
 */
export type RolloutChange =
  | { readonly type: 'added'; readonly rollout: Rollout }
  | { readonly type: 'changed'; readonly rollout: Rollout; readonly previous: Rollout }
  | { readonly type: 'removed'; readonly previous: Rollout };

export function diffRollouts(
  previous: ReadonlyMap<string, Rollout>,
  next: ReadonlyMap<string, Rollout>,
): RolloutChange[] {
  const changes: RolloutChange[] = [];
  for (const [name, rollout] of next) {
    const old = previous.get(name);
    if (!old) changes.push({ type: 'added', rollout });
    else if (old.specHash !== rollout.specHash) changes.push({ type: 'changed', rollout, previous: old });
  }
  for (const [name, old] of previous) {
    if (!next.has(name)) changes.push({ type: 'removed', previous: old });
  }
  return changes;
}

/**
 * The set to run after a reload. A file that was valid and now has problems
 * keeps its last valid version running: a typo committed mid-rollout must not
 * silently drop the rollout's rollback protection. A file that is gone, or
 * was never valid, contributes nothing.
 */
export function mergeWithLastGood(
  previous: ReadonlyMap<string, Rollout>,
  loaded: readonly Rollout[],
  brokenPaths: ReadonlySet<string>,
): Map<string, Rollout> {
  const next = new Map<string, Rollout>();
  for (const r of loaded) next.set(r.name, r);
  for (const [name, old] of previous) {
    if (next.has(name) || old.source === undefined || !brokenPaths.has(old.source)) continue;
    next.set(name, old);
  }
  return next;
}
