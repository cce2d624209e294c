import type { Command } from 'commander';
import { createController } from '../../controller/controller.js';
import { createWiring } from '../../controller/wiring.js';
import { StagegateError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { loadConfig } from '../../spec/config-loader.js';

/*
 * `stagegate run [--once] [--pretty]`: the controller. Logs are JSON lines on
 * stderr (pino), one per check; `--pretty` for a terminal. Without --once it
 * runs until SIGTERM or SIGINT, then finishes the checks in flight, drains
 * notifications and releases the state lock before exiting 0. With --once it
 * checks every rollout once and exits 0 when every rollout was checked (or
 * had finished), 1 when a check failed or a rollout file is invalid.
 */

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
      const logger = createLogger({ level: config.log.level, pretty: opts.pretty === true });
      const wiring = createWiring(config, { env: process.env, logger });
      const controller = createController({ wiring, logger, owner: opts.once ? 'stagegate run --once' : 'stagegate run' });

      if (opts.once) {
        const report = await controller.runOnce();
        logger.info(
          { ...report, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) },
          'pass complete',
        );
        if (report.failed.length > 0 || report.problems > 0) {
          throw new StagegateError(
            'E_SPEC_INVALID',
            `pass incomplete: ${report.failed.length} check(s) failed${report.failed.length > 0 ? ` (${report.failed.join(', ')})` : ''}, ${report.problems} problem(s) in rollout files`,
          );
        }
        return;
      }

      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'signal received');
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          controller.stop().then(resolve, (err: unknown) => {
            logger.error({ error: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
            resolve();
          });
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      await controller.start();
      await stopped;
    });
}
