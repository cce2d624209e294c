import { writeOut } from '../output.js';
import type { Command } from 'commander';
import { StagegateError } from '../../errors.js';
import { loadRolloutsDir } from '../../rollout/loader.js';
import { writeFile } from 'node:fs/promises';
import { untilSignal } from '../../sandbox/demo-keep.js';
import {
  sandboxConfig,
  sandboxConfigFile,
  startSandboxSession,
  SWITCHES,
} from '../../sandbox/sandbox-session.js';

/*
 * `stagegate sandbox [--rollouts dir] [--datadog-port N] [--flipper-port N] [--control-port N]`
 * starts the local Datadog- and Flipper-compatible servers with healthy
 * traffic for the rollouts in the directory, prints the config to use, and
 * runs until SIGINT/SIGTERM. `stagegate sandbox <switch> [args]` (breach
 * <rollout>, outage, drift <feature> <pct>, heal) flips a switch of a running
 * sandbox through its control endpoint (--control, or STAGEGATE_SANDBOX as
 * the sandbox printed it).
 */

interface SandboxOptions {
  readonly rollouts: string;
  readonly datadogPort: string;
  readonly flipperPort: string;
  readonly controlPort: string;
  readonly control?: string;
  readonly writeConfig?: string;
}

function port(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new StagegateError(
      'E_USAGE',
      `${option} must be a port number (0 picks a free one), not "${value}"`,
    );
  return n;
}

async function flip(control: string | undefined, name: string, args: readonly string[]): Promise<void> {
  if (!(SWITCHES as readonly string[]).includes(name))
    throw new StagegateError('E_USAGE', `unknown sandbox switch "${name}": ${SWITCHES.join(', ')}`);
  if (!control)
    throw new StagegateError(
      'E_USAGE',
      'no sandbox to talk to: pass --control <url> or set STAGEGATE_SANDBOX (printed by `stagegate sandbox`)',
    );
  const url = `${control.replace(/\/+$/, '')}/${[name, ...args].map(encodeURIComponent).join('/')}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new StagegateError(
      'E_PROVIDER_UNREACHABLE',
      `cannot reach the sandbox at ${control}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string; error?: { message?: string } };
  if (!res.ok)
    throw new StagegateError('E_USAGE', `sandbox refused ${name}: ${body.error?.message ?? res.status}`);
  writeOut(`${body.message ?? name}\n`);
}

export function register(program: Command): void {
  program
    .command('sandbox')
    .description('local Datadog- and Flipper-compatible servers to try stagegate; or flip a switch of one')
    .argument('[switch]', `with a running sandbox: ${SWITCHES.join(' | ')}`)
    .argument('[args...]', 'breach <rollout> | drift <feature> <percent>')
    .option('--rollouts <dir>', 'rollouts to make traffic for', 'rollouts')
    .option('--datadog-port <port>', 'Datadog sandbox port (0: a free one)', '0')
    .option('--flipper-port <port>', 'Flipper sandbox port (0: a free one)', '0')
    .option('--control-port <port>', 'control endpoint port (0: a free one)', '0')
    .option(
      '--write-config <file>',
      'also write a whole config file for the sandbox (state in .stagegate-sandbox)',
    )
    .option('--control <url>', 'a running sandbox (switches; default env STAGEGATE_SANDBOX)')
    .action(async (name: string | undefined, args: string[], _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<SandboxOptions>();
      if (name !== undefined) return flip(opts.control ?? process.env.STAGEGATE_SANDBOX, name, args);
      const { rollouts, problems } = await loadRolloutsDir(opts.rollouts);
      for (const p of problems)
        process.stderr.write(`stagegate: ${p.path}:${p.line}:${p.col}: ${p.message}\n`);
      const session = await startSandboxSession({
        rollouts,
        datadogPort: port(opts.datadogPort, '--datadog-port'),
        flipperPort: port(opts.flipperPort, '--flipper-port'),
        controlPort: port(opts.controlPort, '--control-port'),
      });
      if (opts.writeConfig !== undefined)
        await writeFile(opts.writeConfig, sandboxConfigFile(session, opts.rollouts));
      writeOut(
        `stagegate sandbox: traffic for ${rollouts.map((r) => r.name).join(', ') || 'no rollouts'}
  Datadog  ${session.datadog.url}
  Flipper  ${session.flipper.url}
  control  ${session.controlUrl}

${opts.writeConfig === undefined ? '' : `config written to ${opts.writeConfig}\n`}# put this in your config (any DD_API_KEY / DD_APP_KEY will do):
${sandboxConfig(session)}
# switches, from another terminal:
export STAGEGATE_SANDBOX=${session.controlUrl}
#   stagegate sandbox breach <rollout> | outage | drift <feature> <percent> | heal
#   curl -X POST ${session.controlUrl}/breach/<rollout>
sandbox ready (Ctrl-C stops it)
`,
      );
      await untilSignal();
      await session.close();
    });
}
