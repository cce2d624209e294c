import { writeOut } from '../output.js';
import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/loader.js';
import type { Config } from '../../config/schema.js';
import { ConfigError, formatProblem, type Problem } from '../../rollout/errors.js';
import { githubAnnotation } from '../../rollout/github-annotation.js';
import { checkRolloutPaths } from '../../rollout/loader.js';
import type { Rollout } from '../../rollout/types.js';
import { createLogger } from '../../log.js';
import type { ToggleProvider } from '../../ports/toggle-provider.js';
import { createToggleProvider } from '../../providers/toggles/factory.js';
import {
  checkFeatures,
  formatFinding,
  locateToggleFeature,
  readFeaturesFile,
} from '../../rollout/features-file.js';
import { StagegateError } from '../../errors.js';
import { checkOnline, formatOnlineRow, onlineExitCode } from '../validate-online.js';

/*
 * `stagegate validate [paths...]`: one line per problem on stdout (so CI logs
 * show them), a summary on stderr, exit 1 when anything is wrong. Problems
 * are data here, never exceptions: an unreadable path is one more line.
 *
 * `--features <vets-api>/config/features.yml` checks each feature is declared
 * there and fits its gate (warnings do not fail); `--online` reads each
 * feature from its toggle provider, writes nothing, and exits 1 when one is
 * missing, 3 when a provider cannot be read.
 */

interface ValidateOptions {
  readonly format: 'text' | 'github';
  readonly config: string;
  readonly features?: string;
  readonly online?: boolean;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('validate rollout files (default: the rollouts directory of the config, else rollouts/)')
    .argument('[paths...]', 'rollout files or directories of *.yaml / *.yml')
    .addOption(
      new Option('--format <format>', 'text: path:line:col: message; github: GitHub Actions annotations')
        .choices(['text', 'github'])
        .default('text'),
    )
    .option(
      '--features <path>',
      "vets-api's config/features.yml: every feature declared, its actor_type fits the gate",
    )
    .option('--online', "read each rollout's feature from its toggle provider (writes nothing)")
    .action(async (paths: string[], _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ValidateOptions>();
      const explicitConfig = cmd.parent?.getOptionValueSource('config') !== 'default';
      const { config, problems: configProblems } = await readConfig(opts.config, explicitConfig);

      const targets = paths.length > 0 ? paths : [config?.rolloutsDir ?? 'rollouts'];
      const result = await checkRolloutPaths(targets, { config });
      const problems = [...configProblems, ...result.problems];
      if (result.files === 0 && result.problems.length === 0) {
        problems.push({
          path: targets.join(' '),
          line: 0,
          col: 0,
          message: 'no rollout files (*.yaml, *.yml) found',
        });
      }

      const format = opts.format === 'github' ? githubAnnotation : formatProblem;
      for (const p of problems) writeOut(`${format(p)}\n`);
      // warnings are printed but do not fail validation
      for (const w of result.warnings) {
        const line = format(w);
        writeOut(`${opts.format === 'github' ? line.replace(/^::error /, '::warning ') : line}\n`);
      }
      const warned = result.warnings.length > 0 ? `, ${plural(result.warnings.length, 'warning')}` : '';
      process.stderr.write(
        `${plural(result.files, 'file')}, ${plural(problems.length, 'problem')}${warned}\n`,
      );
      let exit: 0 | 1 | 3 = problems.length > 0 ? 1 : 0;
      if (opts.features !== undefined) {
        const featureExit = await reportFeatures(opts.features, result.rollouts);
        if (featureExit > exit) exit = featureExit;
      }
      if (opts.online === true) {
        if (config === undefined) {
          throw new StagegateError(
            'E_USAGE',
            `validate --online needs a config with toggle providers (${opts.config} not found)`,
          );
        }
        const onlineExit = await reportOnline(config, result.rollouts);
        if (onlineExit > exit) exit = onlineExit;
      }
      if (exit > 0) process.exitCode = exit;
    });
}

async function reportFeatures(path: string, rollouts: readonly Rollout[]): Promise<0 | 1> {
  const parsed = await readFeaturesFile(path);
  if (!parsed.ok) {
    for (const p of parsed.problems) writeOut(`${formatProblem(p)}\n`);
    return 1;
  }
  const places = new Map<Rollout, { path: string; line: number; col: number }>();
  for (const r of rollouts) places.set(r, await locateToggleFeature(r));
  const findings = checkFeatures(
    rollouts,
    parsed.features,
    path,
    (r) => places.get(r) ?? { path: r.name, line: 1, col: 1 },
  );
  for (const f of findings) writeOut(`${formatFinding(f)}\n`);
  return findings.some((f) => f.level === 'error') ? 1 : 0;
}

async function reportOnline(config: Config, rollouts: readonly Rollout[]): Promise<0 | 1 | 3> {
  const level = config.log.level === 'debug' || config.log.level === 'trace' ? config.log.level : 'error';
  const logger = createLogger({ level }).child({ command: 'validate' });
  const providers = new Map<string, ToggleProvider>();
  const providerFor = (name: string): ToggleProvider => {
    let provider = providers.get(name);
    if (provider === undefined) {
      const entry = config.toggles[name];
      if (entry === undefined)
        throw new StagegateError('E_CONFIG_INVALID', `toggles.${name} is not configured`);
      provider = createToggleProvider(name, entry, { env: process.env, logger });
      providers.set(name, provider);
    }
    return provider;
  };
  const rows = await checkOnline(rollouts, providerFor, logger);
  for (const row of rows) writeOut(`${formatOnlineRow(row)}\n`);
  return onlineExitCode(rows);
}

/**
 * The config, when there is one: its provider and notifier names are then
 * checked too. A missing default config is fine (validating in a repo that
 * only holds rollouts); a broken or explicitly named missing one is a problem.
 */
async function readConfig(
  path: string,
  explicit: boolean,
): Promise<{ config: Config | undefined; problems: Problem[] }> {
  if (!explicit && !(await exists(path))) return { config: undefined, problems: [] };
  try {
    return { config: await loadConfig(path), problems: [] };
  } catch (err) {
    if (err instanceof ConfigError) return { config: undefined, problems: [...err.problems] };
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
