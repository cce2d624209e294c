import { checkRolloutPaths } from '../rollout/loader.js';
import type { Rollout } from '../rollout/types.js';

/*
 * The rollout file behind a stored rollout, for the report's planned values.
 * Looked up by the `name:` inside the files (a file may be named otherwise);
 * a missing or broken file is not an error: the report falls back to history.
 */
export async function findRolloutByName(rolloutsDir: string, name: string): Promise<Rollout | undefined> {
  const { rollouts } = await checkRolloutPaths([rolloutsDir]);
  return rollouts.find((r) => r.name === name);
}
