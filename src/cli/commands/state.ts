import { writeOut } from '../output.js';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/loader.js';
import type { Config } from '../../config/schema.js';
import { StagegateError } from '../../errors.js';
import { leaseHolderLine } from '../../ports/leadership.js';
import { silentLogger } from '../../log.js';
import { createStateStore } from '../../store/factory.js';
import { migrate } from '../../store/postgres/migrate.js';
import { describeLease } from '../../store/postgres/open.js';
import { createPool } from '../../store/postgres/pool.js';
import { exportState, importState, parseDump } from '../../store/state-transfer.js';

/*
 * `stagegate state migrate | export | import | lease` (issue 14).
 *   migrate               applies pending schema migrations (run does it too)
 *   export [--from S]     writes a dump of every record and history (--out FILE, default stdout)
 *   import FILE [--to S]  loads a dump into an empty store, verified by counts and checksum
 *   lease                 who holds the leader lease now
 * S is `file:DIR` or a `postgres://` URL (with --schema); default: the config's state.
 */

interface StateOptions {
  readonly config: string;
  readonly from?: string;
  readonly to?: string;
  readonly out?: string;
  readonly schema?: string;
}

type StateConfig = Config['state'];

function stateFromSpec(
  spec: string | undefined,
  schema: string | undefined,
  config: () => Promise<Config>,
): Promise<StateConfig> {
  if (spec === undefined) return config().then((c) => c.state);
  if (spec.startsWith('file:'))
    return Promise.resolve({ type: 'file', dir: spec.slice('file:'.length) || '.stagegate' });
  if (/^postgres(ql)?:\/\//.test(spec)) {
    return Promise.resolve({ type: 'postgres', url: spec, schema: schema ?? 'stagegate', leaseSeconds: 15 });
  }
  throw new StagegateError('E_USAGE', 'a store is file:DIR or a postgres:// URL');
}

function postgresOnly(state: StateConfig): Extract<StateConfig, { type: 'postgres' }> {
  if (state.type !== 'postgres') {
    throw new StagegateError(
      'E_USAGE',
      `state.type is ${state.type}: only a postgres store has migrations and a lease`,
    );
  }
  return state;
}

function summary(
  counts: { rollouts: number; records: number; historyEntries: number },
  checksum: string,
): string {
  return `${counts.rollouts} rollouts, ${counts.records} records, ${counts.historyEntries} history entries, ${checksum}`;
}

export function register(program: Command): void {
  const state = program.command('state').description('the state store: migrate, export, import, lease');
  const configOf = (cmd: Command) => {
    const opts = cmd.optsWithGlobals<StateOptions>();
    return { opts, config: () => loadConfig(opts.config) };
  };

  state
    .command('migrate')
    .description('apply pending schema migrations to the postgres state store')
    .action(async (_o: unknown, cmd: Command) => {
      const { config } = configOf(cmd);
      const pgState = postgresOnly((await config()).state);
      const pool = createPool({ url: pgState.url, max: 1 });
      try {
        const result = await migrate(pool, pgState.schema);
        writeOut(
          `schema ${pgState.schema} at migration ${result.version} (${result.applied.length === 0 ? 'nothing to apply' : `applied ${result.applied.join(', ')}`})\n`,
        );
      } finally {
        await pool.end();
      }
    });

  state
    .command('export')
    .description('write every record and history of a store as one JSON dump')
    .option('--from <store>', 'file:DIR or postgres://URL (default: the config)')
    .option('--schema <name>', 'postgres schema of --from', 'stagegate')
    .option('--out <file>', 'write the dump here (default: stdout)')
    .action(async (_o: unknown, cmd: Command) => {
      const { opts, config } = configOf(cmd);
      const store = createStateStore(await stateFromSpec(opts.from, opts.schema, config), {
        logger: silentLogger(),
      });
      try {
        const dump = await exportState(store);
        const text = `${JSON.stringify(dump, null, 2)}\n`;
        if (opts.out === undefined) writeOut(text);
        else {
          await writeFile(resolve(opts.out), text);
          process.stderr.write(`exported ${summary(dump.counts, dump.checksum)} to ${opts.out}\n`);
        }
      } finally {
        await closeStore(store);
      }
    });

  state
    .command('import')
    .description('load a dump into an empty store; verified by counts and checksum')
    .argument('<file>', 'a dump written by `stagegate state export`')
    .option('--to <store>', 'file:DIR or postgres://URL (default: the config)')
    .option('--schema <name>', 'postgres schema of --to', 'stagegate')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const { opts, config } = configOf(cmd);
      const text = await readFile(resolve(file), 'utf8').catch((err: unknown) => {
        throw new StagegateError(
          'E_USAGE',
          `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        );
      });
      const dump = parseDump(text, file);
      const target = await stateFromSpec(opts.to, opts.schema, config);
      if (target.type === 'postgres') {
        const pool = createPool({ url: target.url, max: 1 });
        await migrate(pool, target.schema).finally(() => pool.end());
      }
      const store = createStateStore(target, { logger: silentLogger() });
      try {
        const result = await importState(dump, store);
        writeOut(`imported ${summary(result.counts, result.checksum)}: verified\n`);
      } finally {
        await closeStore(store);
      }
    });

  state
    .command('lease')
    .description('who holds the leader lease of the postgres state store')
    .option('--json', 'print it as JSON')
    .action(async (_o: unknown, cmd: Command) => {
      const { config } = configOf(cmd);
      const pgState = postgresOnly((await config()).state);
      const lease = await describeLease(pgState);
      if (cmd.optsWithGlobals<{ json?: boolean }>().json) {
        writeOut(`${JSON.stringify(lease)}\n`);
        return;
      }
      writeOut(`${leaseHolderLine(lease, Date.now())}\n`);
    });
}

/** For `stagegate status` on a postgres store: who acts now, or '' for stores without replicas. */
export async function leaseStatusLine(state: StateConfig): Promise<string> {
  if (state.type !== 'postgres') return '';
  try {
    return `\n${leaseHolderLine(await describeLease(state), Date.now())}\n`;
  } catch (err) {
    return `\nleader: unknown (lease unreadable: ${err instanceof StagegateError ? err.message : 'database unreachable'})\n`;
  }
}

async function closeStore(store: object): Promise<void> {
  const closable = store as { close?: () => Promise<void> };
  if (typeof closable.close === 'function') await closable.close();
}
