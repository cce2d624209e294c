#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { StagegateError, exitCodeFor } from '../errors.js';
import { register as validate } from './commands/validate.js';
import { register as schema } from './commands/schema.js';
import { register as run } from './commands/run.js';
import { register as status } from './commands/status.js';
import { register as operator } from './commands/operator.js';
import { register as query } from './commands/query.js';
import { register as simulate } from './commands/simulate.js';
import { register as report } from './commands/report.js';

/*
 * The only place that calls process.exit (DESIGN.md §9). Commands throw
 * StagegateError; here it becomes one line on stderr and an exit code
 * (0 ok, 1 invalid input / failed check, 2 usage, 3 provider or store
 * unreachable). A stack trace is printed only with STAGEGATE_DEBUG=1.
 */
export function buildProgram(): Command {
  const program = new Command('stagegate')
    .description('Automated rollout controller for feature toggles')
    .option('--config <file>', 'config file (env STAGEGATE_CONFIG)', process.env.STAGEGATE_CONFIG ?? 'config/stagegate.yaml')
    .showHelpAfterError()
    .exitOverride();
  for (const reg of [validate, schema, run, status, operator, query, simulate, report]) reg(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" to commander but successes to the user
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof StagegateError) {
      process.stderr.write(`stagegate: ${err.message}\n`);
      return exitCodeFor(err);
    }
    process.stderr.write(`stagegate: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.STAGEGATE_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
