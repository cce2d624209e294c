import { writeOut } from '../output.js';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { applyOperatorCommand } from '../../runtime/commands.js';
import { applyAbort, type AbortResult } from '../../runtime/abort-first.js';
import { retryWindowMs } from '../../runtime/pending-rollbacks.js';
import { createAbortSpool, spoolDirFor } from '../../controller/abort-spool.js';
import { checkOperatorInput } from '../../rollout/operator-input.js';
import { createToggleProvider } from '../../providers/toggles/factory.js';
import type { ToggleProvider } from '../../ports/toggle-provider.js';
import type { Config } from '../../config/schema.js';
import { OPERATOR_COMMANDS, type OperatorCommand } from '../../runtime/engine-session.js';
import { createCommandNotifications, createStore } from '../../controller/wiring.js';
import { StagegateError } from '../../errors.js';
import { createLogger, silentLogger, type Logger } from '../../log.js';
import { loadConfig } from '../../config/loader.js';
import { formatProblem } from '../../rollout/errors.js';
import { loadRolloutsDir } from '../../rollout/loader.js';
import { readStateLock } from '../../store/state-lock.js';
import type { StateStore } from '../../ports/state-store.js';
import type { Rollout } from '../../rollout/types.js';

/*
 * `stagegate pause|resume|approve|abort|promote|retry <name> [--reason ..] [--by ..]`.
 * Applied through the state store (no lock): a running controller picks the
 * change up within a second and makes any toggle write it implies; without
 * one, the next `stagegate run` does, and the command says so on stderr.
 * Except `abort`: it writes the toggle off itself, first, then records it
 * (runtime/abort-first.ts), whether or not a controller runs; when the state
 * cannot be saved it still prints what it did and exits 3. Refused commands
 * exit 1 with the reason; both outcomes are recorded in history.
 *
 * The events the command itself causes (a pause) are sent from this process
 * to the rollout's notifiers, whether or not a controller runs, and the
 * command waits for them at most NOTIFY_WAIT_MS before exiting; failures are
 * warnings on stderr, never a failed command. The events of the toggle write
 * (advanced, rolled back) come from the controller that makes the write.
 */

const NOTIFY_WAIT_MS = 5_000;

const DESCRIPTIONS: Record<OperatorCommand, string> = {
  pause: 'stop advancing (rollback criteria still apply)',
  resume: 'continue a paused rollout',
  approve: 'approve a stage that requires approval',
  abort: 'roll back now: the toggle goes off',
  promote: 'advance to the next stage now, skipping its gates',
  retry: 'retry a failed toggle write now, or start a rolled-back rollout again from its first stage',
};

interface OperatorOptions {
  readonly config: string;
  readonly reason?: string;
  readonly by?: string;
  readonly json?: boolean;
}

/** The spec the record carries: the rollout file as the controller last checked it. */
async function lastValid(store: StateStore, name: string): Promise<Rollout | undefined> {
  const spec = (await store.load(name).catch(() => undefined))?.spec;
  return spec !== undefined && spec.name === name ? spec : undefined;
}

/** the abort's own toggle write: the provider the rollout names, built from the config like `run` does */
function togglesFrom(config: Config, logger: Logger): (provider: string) => ToggleProvider {
  return (provider) => {
    const entry = config.toggles[provider];
    if (!entry)
      throw new StagegateError('E_CONFIG_INVALID', `toggle provider "${provider}" is not configured`);
    return createToggleProvider(provider, entry, { env: process.env, logger });
  };
}

/**
 * The abort's record could not be saved, even after retrying for one check interval: the toggle write was
 * made first, so say what the toggle IS, leave the marker a later controller applies, exit 3.
 */
async function unsavedAbort(
  config: Config,
  rollout: Rollout,
  meta: { readonly by: string; readonly reason: string | null; readonly now: number },
  result: AbortResult,
  retried: boolean,
): Promise<StagegateError> {
  const off = result.toggleOff === true;
  const stateError = result.stateError ?? 'unknown';
  const where = await createAbortSpool(spoolDirFor(config))
    .put({
      rollout: rollout.name,
      feature: rollout.toggle.feature,
      by: meta.by,
      reason: meta.reason,
      at: meta.now,
      error: stateError,
    })
    .then(
      (path) => `the next \`stagegate run\` on this host records the abort (marker ${path})`,
      (err: unknown) =>
        `no marker could be left either (${err instanceof Error ? err.message : String(err)}): run \`stagegate abort\` again once the store is back`,
    );
  const toggle = off
    ? `the toggle ${rollout.toggle.feature} IS off`
    : `the toggle write failed too: ${rollout.toggle.feature} may still be on`;
  return new StagegateError(
    'E_ROLLBACK_PENDING',
    `abort of ${rollout.name}: ${toggle}; the record is not saved (${stateError}) ${retried ? ` after retrying for ${retryWindowMs(rollout) / 1000}s` : ''}; ${where}`,
    { stateError },
  );
}

function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export function register(program: Command): void {
  for (const name of OPERATOR_COMMANDS) {
    program
      .command(name)
      .description(DESCRIPTIONS[name])
      .argument('<rollout>', 'the rollout name')
      .option('--reason <text>', 'why: recorded in history')
      .option('--by <who>', 'who: recorded in history (default: the OS user)')
      .option('--json', 'print the result as JSON')
      .action(async (rolloutName: string, _opts: unknown, cmd: Command) => {
        const opts = cmd.optsWithGlobals<OperatorOptions>();
        // the API's validator: a newline in --by forged lines in the release report
        const input = checkOperatorInput({ by: opts.by, reason: opts.reason }, defaultUser());
        if (!input.ok) throw new StagegateError('E_USAGE', `invalid ${input.problems.join('; ')}`);
        const config = await loadConfig(opts.config);
        const { rollouts, problems } = await loadRolloutsDir(config.rolloutsDir);
        const store = createStore(config, silentLogger());
        const rollout = rollouts.find((r) => r.name === rolloutName) ?? (await lastValid(store, rolloutName));
        if (!rollout) {
          const related = problems.map(formatProblem);
          throw new StagegateError(
            'E_NOT_FOUND',
            `no valid rollout named "${rolloutName}" in ${config.rolloutsDir}` +
              (related.length > 0 ? `; problems in rollout files:\n${related.join('\n')}` : ''),
          );
        }
        if (!rollouts.includes(rollout)) {
          // a typo in the file must not disarm pause or abort: the controller runs this same last valid version
          const related = problems.map(formatProblem).join('; ');
          process.stderr.write(
            `stagegate: warning: no valid rollout file for ${rolloutName}${related ? ` (${related})` : ''}; ` +
              'using the last valid version the controller checked\n',
          );
        }
        // whether anything will make the toggle write this command may leave pending
        const controllerRunning =
          config.state.type === 'file' ? (await readStateLock(config.state.dir)) !== undefined : undefined;
        // warnings only: stdout carries the result, stderr what went wrong with notifications
        const logger = createLogger({ level: 'warn' });
        const notifications =
          rollout.notify.length > 0
            ? createCommandNotifications(config, rollout.notify, { env: process.env, logger })
            : undefined;
        const commandOpts = {
          by: input.value.by,
          reason: input.value.reason,
          now: Date.now(),
          logger,
          ...(controllerRunning !== undefined && { controllerRunning }),
          ...(notifications && { notify: notifications.notify }),
        };
        const result =
          name === 'abort'
            ? await applyAbort(store, rollout, {
                ...commandOpts,
                toggleFor: togglesFrom(config, logger),
                // a running controller keeps an unsaved abort itself; without one, this process retries
                ...(controllerRunning !== true && { retrySave: { windowMs: retryWindowMs(rollout) } }),
              })
            : { ...(await applyOperatorCommand(store, rollout, name, commandOpts)), stateError: null };
        await notifications?.drain(NOTIFY_WAIT_MS);
        if (result.stateError !== null)
          throw await unsavedAbort(config, rollout, commandOpts, result, controllerRunning !== true);
        if (opts.json) {
          const { accepted, message, summary } = result;
          writeOut(`${JSON.stringify({ accepted, message, summary }, null, 2)}\n`);
          if (!accepted) process.exitCode = 1;
          return;
        }
        if (!result.accepted) throw new StagegateError('E_COMMAND_REFUSED', result.message);
        writeOut(`${result.message}\n`);
        if (result.record?.intent && controllerRunning === false) {
          // on call must not believe the toggle moved when nothing is there to move it
          process.stderr.write(
            `stagegate: warning: no controller holds ${config.state.type === 'file' ? config.state.dir : 'the state'}: the toggle is unchanged until ` +
              '`stagegate run` (or `stagegate run --once`) applies this write\n',
          );
        }
      });
  }
}
