import type { Command } from 'commander';
import { createWiring } from '../../controller/wiring.js';
import { StagegateError } from '../../errors.js';
import type { Controller, PassReport } from '../../controller/controller.js';
import { createLogger, type Logger } from '../../log.js';
import { loadConfig } from '../../config/loader.js';
import { missingEnvironment, startupWarnings } from '../../config/required-env.js';
import { prettyLogStream } from '../pretty-log.js';
import {
  StagegateMetrics,
  instrumentWiring,
  startControllerServer,
} from '../../compose/controller-server.js';
import { createReplicatedController } from '../../compose/leadership-wiring.js';

/*
 * `stagegate run [--once] [--pretty]`: the controller. Logs are JSON lines on
 * stderr (pino), one per check; `--pretty` for a terminal. Without --once it
 * runs until SIGTERM or SIGINT, then finishes the checks in flight, drains
 * notifications and releases the state lock before exiting 0. With --once it
 * checks every rollout once and exits 0 when every rollout was checked (or
 * had finished), 3 when a rollback's toggle write still failed after one
 * check interval of retries (at most 60 s), 1 when a check failed or a
 * rollout file is invalid.
 */

/**
 * `--once`: the pass, held open by a ref'd handle until it is over (issue 11 item 2: with only unref'd
 * retry timers left, Node used to exit 0 mid-pass and leave the lock behind). A rollback still pending
 * after its retry window is exit 3 (E_ROLLBACK_PENDING), before a failed check or a bad file (exit 1).
 */
async function runOncePass(controller: Pick<Controller, 'runOnce'>, logger: Logger): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let report: PassReport;
  try {
    report = await controller.runOnce();
  } finally {
    clearInterval(keepAlive);
  }
  logger.info({ ...report, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }, 'pass complete');
  const pending = report.pendingRollbacks ?? [];
  if (pending.length > 0) {
    throw new StagegateError(
      'E_ROLLBACK_PENDING',
      `rollback pending: the toggle write for ${pending.join(', ')} kept failing; recorded, the next run retries it`,
      { rollouts: pending },
    );
  }
  if (report.failed.length > 0 || report.problems > 0) {
    throw new StagegateError(
      'E_SPEC_INVALID',
      `pass incomplete: ${report.failed.length} check(s) failed${report.failed.length > 0 ? ` (${report.failed.join(', ')})` : ''}, ${report.problems} problem(s) in rollout files`,
    );
  }
}

interface RunOptions {
  readonly config: string;
  readonly once?: boolean;
  readonly pretty?: boolean;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run the controller: check every rollout on its schedule until SIGTERM/SIGINT')
    .option('--once', 'one check of every rollout, then exit (for cron-style deployments)')
    .option('--pretty', 'human-readable logs instead of JSON lines')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RunOptions>();
      const config = await loadConfig(opts.config);
      // every missing variable in one error, before any provider is built (each would name only its own)
      const missing = missingEnvironment(config, process.env);
      if (missing.length > 0)
        throw new StagegateError(
          'E_CONFIG_INVALID',
          `${opts.config}: missing environment variable${missing.length === 1 ? '' : 's'}: ${missing.join(', ')}`,
        );
      // --pretty: one line per log record (a check is one line), see ../pretty-log.ts
      const logger = createLogger({
        level: config.log.level,
        ...(opts.pretty === true && { destination: prettyLogStream(process.stderr) }),
      });
      for (const w of startupWarnings(config, process.env)) logger.warn(w.fields, w.message);
      // one metrics registry for the runner (checks, writes) and the wrapped providers (durations, errors)
      const metrics = new StagegateMetrics();
      const wiring = instrumentWiring(createWiring(config, { env: process.env, logger }), metrics);
      // on postgres: joins the leader election, fenced writes, commands relayed to the leader
      const controller = await createReplicatedController({
        metrics,
        wiring,
        logger,
        owner: opts.once ? 'stagegate run --once' : 'stagegate run',
        observer: metrics,
      });

      if (opts.once) {
        await runOncePass(controller, logger);
        return;
      }

      // the lock first: a second controller must be refused for the lock (exit 3, naming the holder), not
      // for the HTTP port the first one listens on
      await controller.lock();
      // the API (when server.enabled) listens before the controller starts; /readyz says "starting" until it has
      let server: Awaited<ReturnType<typeof startControllerServer>>;
      try {
        server = await startControllerServer(controller, { metrics, logger, config, env: process.env });
      } catch (err) {
        await controller.unlock();
        throw err;
      }
      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'signal received');
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          // stop taking API commands before the controller stops
          Promise.resolve(server?.close())
            .then(() => controller.stop())
            .then(resolve, (err: unknown) => {
              logger.error({ error: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
              resolve();
            });
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      try {
        await controller.start();
      } catch (err) {
        await server?.close();
        throw err;
      }
      await stopped;
    });
}
