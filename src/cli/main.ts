#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { StagegateError, exitCodeFor } from '../errors.js';
import { OPERATOR_COMMANDS } from '../ports/operator-command.js';

type CommandModule = { register(program: Command): void };

/*
 * Each command is imported only when it runs: the Datadog client alone costs
 * seconds of CPU to load, which `validate` in a PR check or an operator's
 * `pause` at 3 a.m. should not pay. Help and unknown commands load them all.
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  validate: () => import('./commands/validate.js'),
  schema: () => import('./commands/schema.js'),
  run: () => import('./commands/run.js'),
  status: () => import('./commands/status.js'),
  query: () => import('./commands/query.js'),
  simulate: () => import('./commands/simulate.js'),
  report: () => import('./commands/report.js'),
  state: () => import('./commands/state.js'),
  sandbox: () => import('./commands/sandbox.js'),
};
for (const op of OPERATOR_COMMANDS) {
  COMMANDS[op] = () => import('./commands/operator.js');
}

/** The package's version: from package.json, which ships next to dist/ (src/cli and dist/cli are two levels down). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The command word in argv, skipping global options and their values. */
function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--config') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/*
 * The only place that ends the process (DESIGN.md §9). Commands throw
 * StagegateError; here it becomes one line on stderr and an exit code
 * (0 ok, 1 invalid input / failed check, 2 usage, 3 provider or store
 * unreachable). A stack trace is printed only with STAGEGATE_DEBUG=1.
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('stagegate')
    .description('Automated rollout controller for feature toggles')
    .option(
      '--config <file>',
      'config file (env STAGEGATE_CONFIG)',
      process.env.STAGEGATE_CONFIG ?? 'config/stagegate.yaml',
    )
    .version(packageVersion(), '--version', 'print the version')
    .showHelpAfterError()
    .exitOverride();
  const word = commandWord(args);
  const wanted = word !== undefined && word in COMMANDS ? [COMMANDS[word]] : Object.values(COMMANDS);
  const modules = new Set(await Promise.all(wanted.map((load) => load?.())));
  for (const mod of modules) mod?.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv.slice(2));
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
    process.stderr.write(
      `stagegate: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    if (process.env.STAGEGATE_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/**
 * Exits once everything written to stdout and stderr has been handed to the
 * OS: `process.exit` right after a large write cuts a pipe at 64 KiB
 * (`simulate --json | jq`). A stream's write callback runs after the writes
 * queued before it; an open handle (a keep-alive socket) never holds the exit.
 */
function exitAfterDrain(code: number): void {
  process.exitCode = code;
  const drained = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) =>
      stream.writableLength === 0 ? resolve() : stream.write('', () => resolve()),
    );
  void Promise.all([drained(process.stdout), drained(process.stderr)]).then(() => process.exit(code));
}

main(process.argv).then(exitAfterDrain, () => exitAfterDrain(1));
