import type { Logger } from '../log.js';
import type { RolloutRecord, StateStore } from '../ports/state-store.js';
import type { Rollout } from '../rollout/types.js';
import type { Runner } from '../runtime/runner.js';
import type { KeyedSerializer } from './keyed-serializer.js';
import type { LeaderGate } from './leader-gate.js';

/*
 * The controller's 1 s poll of the store: it notices records changed by
 * someone else (an operator command from the CLI or the API) and applies the
 * toggle write such a command left pending, and retries failed writes when
 * due (the runner decides when). A command waiting behind a check cancels
 * that check first. Polls never overlap.
 */

export interface StorePollDeps {
  readonly store: StateStore;
  readonly logger: Logger;
  /** record versions this controller wrote or has seen */
  readonly lastSeen: Map<string, number>;
  readonly serializer: Pick<KeyedSerializer, 'run' | 'busy'>;
  readonly gate: Pick<LeaderGate, 'acting' | 'fenced'>;
  readonly runner: Pick<Runner, 'cancel' | 'applyPending'>;
  readonly rollout: (name: string) => Rollout | undefined;
  readonly stopping: () => boolean;
}

/** Logs a record version this process did not write (an operator command), once, whoever sees it first. */
export function noteVersionWith(lastSeen: Map<string, number>, logger: Logger): (rec: RolloutRecord) => void {
  return (rec) => {
    const seen = lastSeen.get(rec.name);
    if (seen !== undefined && seen >= rec.version) return;
    lastSeen.set(rec.name, rec.version);
    if (seen === undefined) return;
    logger.info(
      {
        rollout: rec.name,
        version: rec.version,
        state: rec.summary.state,
        pendingWrite: rec.intent !== null,
      },
      'state changed outside the controller, picked up',
    );
  };
}

export function createStorePoll(deps: StorePollDeps): { poll(): Promise<void> } {
  const { store, logger, lastSeen, serializer, gate, runner } = deps;
  const noteVersion = noteVersionWith(lastSeen, logger);
  let polling = false;

  async function poll(): Promise<void> {
    if (polling || deps.stopping() || !gate.acting()) return;
    polling = true;
    try {
      for (const rec of await store.list()) {
        const rollout = deps.rollout(rec.name);
        if (!rollout) continue;
        const outside = (lastSeen.get(rec.name) ?? rec.version) < rec.version;
        noteVersion(rec);
        if (outside && rec.intent !== null && serializer.busy(rec.name)) {
          // an operator's command (the CLI) is waiting behind a check: cancel it, apply right after
          runner.cancel(rec.name);
          void serializer.run(rec.name, () => runner.applyPending(rollout)).catch(() => undefined);
          continue;
        }
        // a pending write: an operator command's, or a failed one whose retry may be due (the runner checks when)
        if (rec.intent !== null && !serializer.busy(rec.name) && gate.acting()) {
          void serializer
            .run(rec.name, () => runner.applyPending(rollout))
            .catch((err: unknown) => {
              gate.fenced(err);
              logger.error(
                { rollout: rec.name, error: err instanceof Error ? err.message : String(err) },
                'pending toggle write failed',
              );
            });
        }
      }
    } catch (err) {
      logger.error({ error: err instanceof Error ? err.message : String(err) }, 'state store poll failed');
    } finally {
      polling = false;
    }
  }

  return { poll };
}
