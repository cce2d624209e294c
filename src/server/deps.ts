import type { Logger } from '../log.js';
import type { LeadershipState } from '../ports/leadership.js';
import type { OperatorCommand } from '../ports/operator-command.js';
import type { RolloutSummary, StateStore } from '../ports/state-store.js';
import type { AuthConfig } from './auth.js';
import type { ServerLimits } from './server-limits.js';
import type { StagegateMetrics } from './metrics.js';

// the one list of operator commands lives with the port
export { OPERATOR_COMMANDS, type OperatorCommand as OperatorCommandName } from '../ports/operator-command.js';

export interface CommandOutcome {
  readonly accepted: boolean;
  readonly message: string;
  readonly summary?: RolloutSummary | undefined;
}

/**
 * Runs one operator command: the controller's `applyOperatorCommand` bound to
 * the loaded rollouts. Throws StagegateError E_NOT_FOUND for an unknown rollout.
 */
export type ApplyCommand = (
  name: string,
  command: OperatorCommand,
  opts: { readonly by: string; readonly reason: string | null; readonly now: number },
) => Promise<CommandOutcome>;

export interface ServerDeps {
  readonly store: StateStore;
  readonly metrics: StagegateMetrics;
  readonly logger: Logger;
  readonly applyCommand: ApplyCommand;
  readonly auth: AuthConfig;
  /** names of the rollout files currently loaded (shown as `pending` before their first save) */
  readonly loadedRollouts?: () => readonly string[];
  /** rollout files ignored for a duplicate name: GET /api/rollouts shows them, /readyz warns */
  readonly duplicates?: () => readonly {
    readonly name: string;
    readonly ignored: string;
    readonly kept: string;
  }[];
  /** extra readiness problems (e.g. "config not loaded"); empty when ready */
  readonly readiness?: () => Promise<readonly string[]> | readonly string[];
  readonly now?: () => number;
  /** this replica's role and the lease holder, shown by /readyz; absent: a single controller */
  readonly leadership?: () => LeadershipState;
  /** max request body in bytes; default 4 KiB (commands carry a reason and a name) */
  readonly bodyLimit?: number;
  /** how long /readyz waits for the store; default 2000 ms */
  readonly storeTimeoutMs?: number;
  /** API reads of the store at a time (the rest queue, checks do not); default 4 */
  readonly apiReadConcurrency?: number;
  /** connection limits and timeouts (see server-limits.ts); defaults there */
  readonly limits?: Partial<ServerLimits>;
}
