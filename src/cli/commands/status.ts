import { writeOut } from '../output.js';
import type { Command } from 'commander';
import { formatStatusTable, statusRows, type StatusRow } from '../../controller/status-view.js';
import { createStore } from '../../controller/wiring.js';
import { StagegateError } from '../../errors.js';
import { silentLogger } from '../../log.js';
import { parseCheckDetail } from '../../report/check-detail.js';
import { loadConfig } from '../../config/loader.js';
import { scanStore } from '../../ports/state-store.js';
import { loadRolloutsDir } from '../../rollout/loader.js';
import { parseDuration } from '../../rollout/duration.js';
import { changes, screen, type Seen } from '../status-watch.js';
import { leaseStatusLine } from './state.js';

/*
 * `stagegate status [name] [--json]`: read from the state store and the
 * rollouts dir only — no provider, no key, no lock — so it works next to a
 * running controller and without one. `--json` prints an array of rows
 * (DESIGN.md §1 fields plus feature, file, pendingIntent, version).
 * `--watch [--interval 2s]` reads again until Ctrl-C: redrawn in place on a
 * terminal, one line per change otherwise (see status-watch.ts).
 */

interface StatusOptions {
  readonly config: string;
  readonly json?: boolean;
  readonly watch?: boolean;
  readonly interval: string;
}

export function register(program: Command): void {
  program
    .command('status')
    .description('state of every rollout (or one): state, stage, percent, last check, why it is held')
    .argument('[name]', 'one rollout')
    .option('--json', 'print the rows as JSON')
    .option('--watch', 'keep watching: redraw on a terminal, one line per change otherwise')
    .option('--interval <duration>', 'with --watch: how often to read the state store', '2s')
    .action(async (name: string | undefined, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<StatusOptions>();
      const config = await loadConfig(opts.config);
      const store = createStore(config, silentLogger());
      const read = async () => {
        // a record that cannot be read is that rollout's row, not a failed command
        const [{ records, problems }, { rollouts, problems: fileProblems }] = await Promise.all([
          scanStore(store),
          loadRolloutsDir(config.rolloutsDir),
        ]);
        const all = statusRows(records, rollouts, problems, fileProblems);
        return name === undefined ? all : all.filter((r) => r.name === name);
      };
      if (opts.watch) return watch(read, intervalOf(opts.interval), opts.json === true);
      const rows = await read();
      if (name !== undefined && rows.length === 0)
        throw new StagegateError(
          'E_NOT_FOUND',
          `no rollout named "${name}" (neither in the state store nor in ${config.rolloutsDir})`,
        );
      if (opts.json) {
        writeOut(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      writeOut(formatStatusTable(rows, Date.now()));
      writeOut(await leaseStatusLine(config.state));
      if (name !== undefined) writeOut(await lastCheckText(store, name));
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

function intervalOf(text: string): number {
  // rollout durations have no milliseconds; a watch interval may (tests, fast terminals)
  const ms = /^\d+ms$/.test(text) ? Number(text.slice(0, -2)) : parseDuration(text);
  if (ms === undefined)
    throw new StagegateError('E_USAGE', `--interval must be a duration like 2s, 500ms or 1m, not "${text}"`);
  if (ms < 200) throw new StagegateError('E_USAGE', `--interval must be at least 200ms, not "${text}"`);
  return ms;
}

/** Reads every `intervalMs` until SIGINT/SIGTERM; a failed read is one line, and the next read tries again. */
async function watch(read: () => Promise<StatusRow[]>, intervalMs: number, json: boolean): Promise<void> {
  const tty = process.stdout.isTTY === true && !json;
  let seen: Seen = new Map();
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped) {
    const now = Date.now();
    try {
      const rows = await read();
      if (tty) {
        writeOut(screen(formatStatusTable(rows, now), now, intervalMs));
      } else {
        const next = changes(seen, rows, now);
        seen = next.seen;
        if (json)
          for (const row of next.changed)
            writeOut(`${JSON.stringify({ at: new Date(now).toISOString(), ...row })}\n`);
        else for (const line of next.lines) writeOut(`${line}\n`);
      }
    } catch (err) {
      process.stderr.write(
        `stagegate: status read failed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, intervalMs);
    });
  }
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
}
