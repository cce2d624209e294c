import type { Problem } from '../rollout/errors.js';

/*
 * Two rollout files with the same `name:` (issue 11 item 4): the running one
 * is kept (rollout-loader.ts), the other ignored. `status`, GET /api/rollouts
 * and /readyz show which file is ignored and which is kept. /readyz warns
 * (200, with `warnings`) rather than failing: a not-ready instance is taken
 * out of service, which would take away the API on-call needs to pause or
 * abort, while the kept rollout is still checked and protected. The ignored
 * file is a review mistake to fix, not an outage.
 */

export interface DuplicateName {
  readonly name: string;
  /** the file whose claim on the name is ignored */
  readonly ignored: string;
  /** the file the controller runs for the name */
  readonly kept: string;
}

export function duplicatesOf(problems: readonly Problem[]): DuplicateName[] {
  return problems.flatMap((p) =>
    p.duplicateOf ? [{ name: p.duplicateOf.name, ignored: p.path, kept: p.duplicateOf.kept }] : [],
  );
}
