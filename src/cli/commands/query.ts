import { writeOut } from '../output.js';
import type { Command } from 'commander';
import { judgeCriterion, type CriterionResult } from '../../engine/judge.js';
import { formatConfidence, formatCount, formatInterval, formatValue } from '../../engine/format.js';
import { StagegateError } from '../../errors.js';
import { createLogger, silentLogger } from '../../log.js';
import type { Measurement, MetricsProvider, TimeWindow } from '../../ports/metrics-provider.js';
import type { StateStore } from '../../ports/state-store.js';
import { openEngineSession } from '../../runtime/engine-adapter.js';
import { measureRollout } from '../../runtime/measure.js';
import { createMetricsProvider, metricsProviderNameFor } from '../../providers/metrics/factory.js';
import { resolveWindow } from '../../engine/window.js';
import { loadConfig } from '../../config/loader.js';
import type { Config } from '../../config/schema.js';
import { formatDuration } from '../../rollout/duration.js';
import { loadRolloutFile } from '../../rollout/loader.js';
import type { MetricSpec, MetricWindow, Rollout } from '../../rollout/types.js';
import { createStateStore } from '../../store/factory.js';
import { createToggleProvider } from '../../providers/toggles/factory.js';
import { formatOnlineRow, readConfiguredToggle } from '../validate-online.js';

/*
 * `stagegate query <rollout.yaml> [--json]`: every metric of a rollout,
 * measured now exactly as a check would (same windows, one queryMany per
 * provider), and the verdict of every criterion that reads it — to try
 * criteria before committing them. Read-only: nothing is written to the
 * state store and no toggle is touched.
 *
 * `window: stage` needs the stage start, which only exists once the rollout
 * runs: it is the engine's own, restored from the state store; without state it falls back to the
 * check interval (`check.every`, or 1h for cron schedules), and says so.
 *
 * Exit 0 when Datadog answered (whatever the verdicts); 3 when it could not be
 * reached at all (every metric an unreachable / auth / rate-limit error).
 */

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'E_PROVIDER_UNREACHABLE',
  'E_PROVIDER_AUTH',
  'E_PROVIDER_RATE_LIMITED',
]);
const FALLBACK_STAGE_WINDOW_MS = 3_600_000;

interface StagePosition {
  readonly name: string;
  readonly percent: number;
  /** epoch ms; null when the rollout has no state yet */
  readonly since: number | null;
}

interface MetricRow {
  readonly spec: MetricSpec;
  readonly window: TimeWindow;
  /** how the window reads for people: `15m`, `stage 2h4m`, `stage (no state: 5m)` */
  readonly windowLabel: string;
  readonly measurement: Measurement;
  readonly results: readonly CriterionResult[];
}

interface QueryReport {
  readonly rollout: Rollout;
  readonly at: number;
  readonly stage: StagePosition;
  readonly rows: readonly MetricRow[];
}

export function register(program: Command): void {
  program
    .command('query')
    .description('query every metric of a rollout now and print the values and verdicts')
    .argument('<rollout>', 'rollout file (YAML)')
    .option('--json', 'print the measurements and verdicts as JSON')
    .action(async (file: string, opts: { json?: boolean }, cmd: Command) => {
      const { config: configPath } = cmd.optsWithGlobals<{ config: string }>();
      const config = await loadConfig(configPath);
      // no cross-check of toggle and notifier names: trying criteria needs only the metrics providers
      const rollout = await loadRolloutFile(file);
      const report = await runQuery(rollout, config, Date.now());
      // the toggle is read, never written: does the feature exist, and what exposes users now
      const toggle = await readConfiguredToggle(rollout, (name) => {
        const entry = config.toggles[name];
        if (entry === undefined)
          throw new StagegateError('E_CONFIG_INVALID', `toggles.${name} is not configured`);
        return createToggleProvider(name, entry, {
          env: process.env,
          logger: silentLogger(),
        });
      });
      writeOut(
        opts.json
          ? `${JSON.stringify({ ...(toJson(report) as object), toggle }, null, 2)}\n`
          : `${renderTable(report)}\ntoggle: ${formatOnlineRow(toggle)}\n`,
      );
      const unreachable = unreachableReason(report.rows.map((r) => r.measurement));
      if (unreachable)
        throw new StagegateError(unreachable.code, `Datadog cannot be reached: ${unreachable.message}`);
    });
}

async function runQuery(rollout: Rollout, config: Config, now: number): Promise<QueryReport> {
  // the table shows every failure already; provider warnings on stderr would only repeat them
  const level = config.log.level === 'debug' || config.log.level === 'trace' ? config.log.level : 'error';
  const logger = createLogger({ level }).child({ command: 'query', rollout: rollout.name });
  const stage = await stagePosition(createStateStore(config.state, { logger }), rollout, now);
  const providers = new Map<string, MetricsProvider>();
  const providerFor = (requested: string | undefined): MetricsProvider => {
    const name = metricsProviderNameFor(requested, config);
    let provider = providers.get(name);
    if (!provider) {
      provider = createMetricsProvider(name, config.metrics[name] as Config['metrics'][string], {
        env: process.env,
        logger,
      });
      providers.set(name, provider);
    }
    return provider;
  };

  const fallbackMs =
    rollout.check.schedule.kind === 'every' ? rollout.check.schedule.everyMs : FALLBACK_STAGE_WINDOW_MS;
  // without a stage start, `window: stage` reads the fallback window instead (the label says so)
  const effective: Rollout =
    stage.since === null
      ? {
          ...rollout,
          metrics: Object.fromEntries(
            Object.entries(rollout.metrics).map(([name, spec]) => [
              name,
              spec.window.kind === 'stage' ? { ...spec, window: { kind: 'duration', ms: fallbackMs } } : spec,
            ]),
          ) as Rollout['metrics'],
        }
      : rollout;
  const stageStart = stage.since ?? now;
  // a provider that cannot be built (a missing key) is a configuration error here, not a measurement
  for (const spec of Object.values(rollout.metrics)) providerFor(spec.provider);
  // the check's own measuring step: same windows, same batching, same provider errors
  const measured = await measureRollout(effective, providerFor, { now, stageStart });
  const planned = Object.values(effective.metrics).map((spec) => ({
    spec: rollout.metrics[spec.name] as MetricSpec,
    window: resolveWindow(spec.window, now, stageStart),
    windowLabel: windowLabel((rollout.metrics[spec.name] as MetricSpec).window, stage, now, fallbackMs),
  }));
  const measurements: Measurement[] = planned.map((p) => measured[p.spec.name] as Measurement);

  const criteria = [
    ...rollout.criteria.advance.map((c) => ({ c, kind: 'advance' as const })),
    ...rollout.criteria.rollback.map((c) => ({ c, kind: 'rollback' as const })),
  ];
  const rows = planned.map((p, i): MetricRow => {
    const measurement = measurements[i] as Measurement;
    const results = criteria
      .filter(({ c }) => c.metric === p.spec.name)
      .map(({ c, kind }) => judgeCriterion(c, kind, measurement, { confidence: rollout.policy.confidence }));
    return { ...p, measurement, results };
  });
  return { rollout, at: now, stage, rows };
}

/**
 * Where the rollout stands, from its state record: the stage start is the
 * engine's own (`window: stage` reads from it in a check); the first stage,
 * not started, without a record or with one this version cannot restore.
 */
async function stagePosition(store: StateStore, rollout: Rollout, now: number): Promise<StagePosition> {
  const first = rollout.stages[0];
  const record = await store.load(rollout.name);
  if (!record || record.summary.stage === null) {
    return { name: first?.name ?? '-', percent: 0, since: null };
  }
  const { stage, percent } = record.summary;
  let since: number | null;
  try {
    since = openEngineSession(rollout, record).stageStart(now);
  } catch {
    since = null;
  }
  return { name: stage, percent, since };
}

function windowLabel(window: MetricWindow, stage: StagePosition, now: number, fallbackMs: number): string {
  if (window.kind === 'duration') return formatDuration(window.ms);
  if (stage.since === null) return `stage (no state: last ${formatDuration(fallbackMs)})`;
  const elapsed = Math.max(0, now - stage.since);
  // whole minutes once past the first: the seconds of a multi-hour stage are noise
  return `stage (${formatDuration(elapsed < 60_000 ? elapsed : Math.floor(elapsed / 60_000) * 60_000)})`;
}

function unreachableReason(
  measurements: readonly Measurement[],
):
  | { code: 'E_PROVIDER_UNREACHABLE' | 'E_PROVIDER_AUTH' | 'E_PROVIDER_RATE_LIMITED'; message: string }
  | undefined {
  if (measurements.length === 0) return undefined;
  const errors = measurements.filter(
    (m): m is Extract<Measurement, { kind: 'error' }> => m.kind === 'error' && UNREACHABLE_CODES.has(m.code),
  );
  if (errors.length !== measurements.length) return undefined;
  const first = errors[0] as Extract<Measurement, { kind: 'error' }>;
  return {
    code: first.code as 'E_PROVIDER_UNREACHABLE' | 'E_PROVIDER_AUTH' | 'E_PROVIDER_RATE_LIMITED',
    message: first.message,
  };
}

function formatMeasurement(m: Measurement, percent: boolean): string {
  switch (m.kind) {
    case 'value':
      return formatValue(m.value, percent);
    case 'ratio':
      return `${formatValue(m.value, percent)} (${formatCount(m.numerator)}/${formatCount(m.denominator)})`;
    case 'no-data':
      return `no data: ${m.reason}`;
    case 'error':
      return `error ${m.code}: ${m.message}`;
  }
}

function formatResultInterval(r: CriterionResult): string {
  if (!r.interval) return '';
  const level = r.confidence === null ? '' : ` @${formatConfidence(r.confidence)}`;
  return `${formatInterval(r.interval, r.criterion.percent)}${level}`;
}

function renderTable(report: QueryReport): string {
  const { rollout, stage, at } = report;
  const since = stage.since === null ? 'no state yet' : `since ${new Date(stage.since).toISOString()}`;
  const header = `${rollout.name}: stage ${stage.name} at ${formatCount(stage.percent)}% (${since}), measured ${new Date(at).toISOString()}\n\n`;
  if (report.rows.length === 0) return `${header}no metrics\n`;
  const table: string[][] = [['METRIC', 'WINDOW', 'VALUE', 'CRITERION', 'VERDICT', 'INTERVAL']];
  for (const row of report.rows) {
    const percent = row.results.some((r) => r.criterion.percent);
    const name = rollout.samples === row.spec.name ? `${row.spec.name} (samples)` : row.spec.name;
    const lead = [name, row.windowLabel, formatMeasurement(row.measurement, percent)];
    if (row.results.length === 0) table.push([...lead, '-', '', '']);
    row.results.forEach((r, i) => {
      const cells = [r.criterion.text, r.verdict, formatResultInterval(r)];
      table.push(i === 0 ? [...lead, ...cells] : ['', '', '', ...cells]);
    });
  }
  const widths = (table[0] as string[]).map((_, col) =>
    Math.max(...table.map((line) => (line[col] ?? '').length)),
  );
  const lines = table.map((line) =>
    line
      .map((cell, col) => cell.padEnd(widths[col] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return `${header}${lines.join('\n')}\n`;
}

function toJson(report: QueryReport): unknown {
  return {
    rollout: report.rollout.name,
    at: new Date(report.at).toISOString(),
    stage: {
      name: report.stage.name,
      percent: report.stage.percent,
      since: report.stage.since === null ? null : new Date(report.stage.since).toISOString(),
    },
    metrics: report.rows.map((row) => ({
      name: row.spec.name,
      provider: row.spec.provider ?? null,
      samples: report.rollout.samples === row.spec.name,
      window: {
        spec: row.spec.window.kind === 'stage' ? 'stage' : formatDuration(row.spec.window.ms),
        label: row.windowLabel,
        from: new Date(row.window.from).toISOString(),
        to: new Date(row.window.to).toISOString(),
      },
      measurement: row.measurement,
      criteria: row.results.map((r) => ({
        criterion: r.criterion.text,
        kind: r.kind,
        verdict: r.verdict,
        value: r.value,
        interval: r.interval,
        confidence: r.confidence,
        reason: r.reason,
      })),
    })),
  };
}
