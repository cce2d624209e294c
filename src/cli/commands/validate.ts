import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/loader.js';
import type { Config } from '../../config/schema.js';
import { ConfigError, formatProblem, type Problem } from '../../rollout/errors.js';
import { githubAnnotation } from '../../rollout/github-annotation.js';
import { checkRolloutPaths } from '../../rollout/loader.js';

/*
 * `stagegate validate [paths...]`: one line per problem on stdout (so CI logs
 * show them), a summary on stderr, exit 1 when anything is wrong. Problems
 * are data here, never exceptions: an unreadable path is one more line.
 */

interface ValidateOptions {
  readonly format: 'text' | 'github';
  readonly config: string;
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
      for (const p of problems) process.stdout.write(`${format(p)}\n`);
      // warnings are printed but do not fail validation
      for (const w of result.warnings) {
        const line = format(w);
        process.stdout.write(
          `${opts.format === 'github' ? line.replace(/^::error /, '::warning ') : line}\n`,
        );
      }
      const warned = result.warnings.length > 0 ? `, ${plural(result.warnings.length, 'warning')}` : '';
      process.stderr.write(
        `${plural(result.files, 'file')}, ${plural(problems.length, 'problem')}${warned}\n`,
      );
      if (problems.length > 0) process.exitCode = 1;
    });
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
