import type { Command } from 'commander';
import { formatStatusTable, statusRows } from '../../controller/status-view.js';
import { createStore } from '../../controller/wiring.js';
import { StagegateError } from '../../errors.js';
import { silentLogger } from '../../log.js';
import { parseCheckDetail } from '../../report/check-detail.js';
import { loadConfig } from '../../config/loader.js';
import { scanStore } from '../../ports/state-store.js';
import { loadRolloutsDir } from '../../rollout/loader.js';

/*
 * `stagegate status [name] [--json]`: read from the state store and the
 * rollouts dir only — no provider, no key, no lock — so it works next to a
 * running controller and without one. `--json` prints an array of rows
 * (DESIGN.md §1 fields plus feature, file, pendingIntent, version).
 */

interface StatusOptions {
  readonly config: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command('status')
    .description('state of every rollout (or one): state, stage, percent, last check, why it is held')
    .argument('[name]', 'one rollout')
    .option('--json', 'print the rows as JSON')
    .action(async (name: string | undefined, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<StatusOptions>();
      const config = await loadConfig(opts.config);
      const store = createStore(config, silentLogger());
      // a record that cannot be read is that rollout's row, not a failed command
      const [{ records, problems }, { rollouts, problems: fileProblems }] = await Promise.all([
        scanStore(store),
        loadRolloutsDir(config.rolloutsDir),
      ]);
      let rows = statusRows(records, rollouts, problems, fileProblems);
      if (name !== undefined) {
        rows = rows.filter((r) => r.name === name);
        if (rows.length === 0)
          throw new StagegateError(
            'E_NOT_FOUND',
            `no rollout named "${name}" (neither in the state store nor in ${config.rolloutsDir})`,
          );
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(formatStatusTable(rows, Date.now()));
      if (name !== undefined) process.stdout.write(await lastCheckText(store, name));
    });
}

/** For one rollout: what its last check measured and decided, as the runner recorded it. */
async function lastCheckText(store: ReturnType<typeof createStore>, name: string): Promise<string> {
  // the newest page only: a long history must not be parsed whole to show its last check
  const history = await store.history(name, { limit: 2048 });
  const last = history.findLast((e) => e.type === 'check');
  if (!last || last.type !== 'check') return '';
  const detail = parseCheckDetail(last.detail);
  const lines = [
    ``,
    `last check ${new Date(last.at).toISOString()}: ${detail.decision?.action ?? 'no decision'}`,
  ];
  for (const reason of detail.decision?.reasons ?? []) lines.push(`  - ${reason}`);
  if (detail.exposure !== null) lines.push(`  exposure: ${detail.exposure}`);
  for (const r of detail.results)
    lines.push(`  ${r.criterion.text}: ${r.verdict}${r.reason ? ` (${r.reason})` : ''}`);
  return `${lines.join('\n')}\n`;
}
