import { StagegateError } from '../errors.js';
import { NAME_PATTERN } from '../rollout/schema.js';

/*
 * Rollout names become file names in the state dir, so they are checked
 * against the same pattern the rollout file schema enforces before any path is
 * built: no dots, slashes or other path traversal can reach the filesystem.
 */
export function assertRolloutName(name: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new StagegateError(
      'E_USAGE',
      `invalid rollout name ${JSON.stringify(name)}: must be lowercase letters, digits and dashes (max 63)`,
      { name },
    );
  }
}
