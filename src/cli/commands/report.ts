import { writeOut } from '../output.js';
import type { Command } from 'commander';
import { StagegateError } from '../../errors.js';
import {
  buildReportModel,
  historyMarkers,
  metricSeries,
  renderReportHtml,
  renderReportJson,
  renderReportMarkdown,
} from '../../report/index.js';
import { findRolloutByName } from '../../report/find-rollout.js';
import { loadConfig } from '../../config/loader.js';
import { loadRolloutFile } from '../../rollout/loader.js';
import { NAME_PATTERN } from '../../rollout/schema.js';
import type { Rollout } from '../../rollout/types.js';
import { createStateStore } from '../../store/factory.js';

/*
 * `stagegate report <name> [--format md|json|html] [--rollout <file>]`: the
 * release-plan results from the state store's record and history. The
 * rollout file (found by name in rolloutsDir, or given with --rollout)
 * supplies planned lengths, percents and criteria; without it the report is
 * built from history alone and says so on stderr.
 */

const FORMATS = ['md', 'json', 'html'] as const;
type Format = (typeof FORMATS)[number];

interface ReportOptions {
  format: string;
  rollout?: string;
  config: string;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('print the release report of a rollout: per stage dates, users, criteria, errors, decisions')
    .argument('<name>', 'rollout name')
    .option('--format <format>', 'md | json | html', 'md')
    .option('--rollout <file>', 'the rollout file (default: found by name in rolloutsDir)')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ReportOptions>();
      if (!FORMATS.includes(opts.format as Format)) {
        throw new StagegateError(
          'E_USAGE',
          `--format must be one of ${FORMATS.join(', ')}, not "${opts.format}"`,
        );
      }
      if (!NAME_PATTERN.test(name)) {
        throw new StagegateError(
          'E_USAGE',
          `"${name}" is not a rollout name (lowercase letters, digits and dashes)`,
        );
      }
      const config = await loadConfig(opts.config);
      const store = createStateStore(config.state);
      const record = await store.load(name);
      if (!record) {
        throw new StagegateError(
          'E_NOT_FOUND',
          `no state for rollout "${name}": it has not run yet (or state.dir is not the controller's)`,
        );
      }
      const history = await store.history(name);
      let rollout: Rollout | undefined;
      if (opts.rollout !== undefined) {
        rollout = await loadRolloutFile(opts.rollout);
        if (rollout.name !== name) {
          throw new StagegateError(
            'E_USAGE',
            `${opts.rollout} is the rollout "${rollout.name}", not "${name}"`,
          );
        }
      } else {
        rollout = await findRolloutByName(config.rolloutsDir, name);
        if (!rollout) {
          process.stderr.write(
            `stagegate: no valid rollout file named "${name}" in ${config.rolloutsDir}: planned values omitted\n`,
          );
        }
      }
      const model = buildReportModel(record, history, rollout, Date.now());
      // the charts: a Mermaid block per metric per stage in markdown, the status page's SVG in html
      const series = metricSeries(history);
      const text =
        opts.format === 'json'
          ? renderReportJson(model)
          : opts.format === 'html'
            ? renderReportHtml(model, series, historyMarkers(history))
            : renderReportMarkdown(model, series);
      writeOut(text);
    });
}
