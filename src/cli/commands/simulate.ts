import { writeOut } from '../output.js';
import type { Command } from 'commander';
import { createTask } from 'node-cron';
import { formatValue } from '../../engine/format.js';
import { localClock } from '../../engine/local-time.js';
import { StagegateError } from '../../errors.js';
import type { Measurement } from '../../ports/metrics-provider.js';
import { MemoryToggleProvider } from '../../providers/toggles/memory.js';
import { MemoryStateStore } from '../../store/memory-store.js';
import { ReplayMetricsProvider } from '../../providers/metrics/replay.js';
import { earliestAbsoluteTime, loadSeriesFile } from '../../providers/metrics/replay-series.js';
import { formatDuration } from '../../rollout/duration.js';
import { loadRolloutFile } from '../../rollout/loader.js';
import type { Rollout, Schedule } from '../../rollout/types.js';
import { simulateRollout, type SimulationResult, type TimelineEntry } from '../../runtime/simulate-run.js';

/*
 * `stagegate simulate <rollout.yaml> --metrics <series>`: the rollout's own
 * decisions, replayed against a recorded or synthetic series on a virtual
 * clock, through the same runner as `run` (src/runtime/simulate-run.ts) with a
 * memory store and toggle. Checks follow the rollout's schedule (`every` from
 * the start, or the cron expression in its time zone); metrics are read
 * exactly as `run` reads them, with no settle delay since a series has no
 * late points. Prints one line per check:
 * local time, state, stage, percent, decision, values against thresholds and
 * the reason; then the final state. Exit 0 whenever the simulation ran,
 * whatever it decided; 1 for a bad rollout or series.
 */

interface SimulateOptions {
  readonly metrics: string;
  readonly from?: string;
  readonly json?: boolean;
  readonly autoApprove?: boolean;
}

function nextCheckFn(
  schedule: Schedule,
  timeZone: string,
): { next: (now: number) => number; close: () => void } {
  if (schedule.kind === 'every') return { next: (now) => now + schedule.everyMs, close: () => undefined };
  // node-cron decides what matches (six-field expressions included); the virtual clock steps to the next match
  const task = createTask(schedule.cron, () => undefined, { timezone: timeZone });
  const step = schedule.cron.trim().split(/\s+/).length === 6 ? 1_000 : 60_000;
  const limit = 366 * 24 * 3_600_000;
  return {
    next: (now) => {
      for (let t = Math.floor(now / step) * step + step; t <= now + limit; t += step) {
        if (task.match(new Date(t))) return t;
      }
      throw new StagegateError('E_SPEC_INVALID', `cron "${schedule.cron}" has no check within a year`);
    },
    close: () => void task.destroy(),
  };
}

function parseFrom(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new StagegateError(
      'E_USAGE',
      `--from "${text}" is not an ISO 8601 time, e.g. 2025-06-17T09:00:00-04:00`,
    );
  return ms;
}

function originOf(rollout: Rollout, from: string | undefined, seriesStart: number | undefined): number {
  if (from !== undefined) return parseFrom(from);
  if (rollout.start.kind === 'at') return rollout.start.at;
  if (seriesStart !== undefined) return seriesStart;
  return Math.floor(Date.now() / 60_000) * 60_000;
}

function shownValue(m: Measurement | undefined, percent: boolean): string {
  if (!m) return '-';
  switch (m.kind) {
    case 'value':
      return formatValue(m.value, false);
    case 'ratio':
      return percent ? formatValue(m.value, true) : formatValue(m.value, false);
    case 'no-data':
      return 'no data';
    case 'error':
      return 'error';
  }
}

/** `error_rate 1.2% (<5% pass, >5% ok)` per metric that was measured. */
function valuesCell(rollout: Rollout, e: TimelineEntry): string {
  const cells: string[] = [];
  for (const name of Object.keys(rollout.metrics)) {
    const m = e.measurements[name];
    if (!m) continue;
    const results = e.results.filter((r) => r.criterion.metric === name);
    const percent = results.some((r) => r.criterion.percent);
    const verdicts = results.map(
      (r) => `${r.criterion.op}${formatValue(r.criterion.threshold, r.criterion.percent)} ${r.verdict}`,
    );
    cells.push(`${name} ${shownValue(m, percent)}${verdicts.length > 0 ? ` (${verdicts.join(', ')})` : ''}`);
  }
  return cells.length > 0 ? cells.join('; ') : '-';
}

export function renderTimeline(rollout: Rollout, result: SimulationResult, seriesPath: string): string {
  const tz = rollout.check.timezone;
  const header = ['time', 'state', 'stage', 'percent', 'decision', 'values', 'reason'];
  const rows = result.timeline.map((e) => {
    const clock = localClock(e.at, tz);
    return [
      `${clock.weekday.charAt(0).toUpperCase()}${clock.weekday.slice(1)} ${clock.text}`,
      e.state,
      e.stage ?? '-',
      `${formatValue(e.percent / 100, true)}`,
      e.notices.length > 0 ? `${e.action} → ${e.notices.join(', ')}` : e.action,
      valuesCell(rollout, e),
      e.reasons.join('; ') || '-',
    ];
  });
  // every column but the last two is padded; values and reasons are free text
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < cells.length - 2 ? c.padEnd(widths[i] ?? 0) : c))
      .join('  ')
      .trimEnd();
  const first = result.timeline[0]?.at;
  const last = result.timeline[result.timeline.length - 1]?.at;
  const f = result.final;
  const out = [
    `simulating ${rollout.name} against ${seriesPath} (times in ${tz})`,
    line(header),
    ...rows.map(line),
    '',
    `final: ${f.state}${f.stage ? ` at ${f.stage}` : ''}, ${formatValue(f.percent / 100, true)}` +
      (first !== undefined && last !== undefined ? ` after ${formatDuration(last - first)}` : '') +
      ` (stopped: ${result.stoppedBecause})`,
  ];
  if (f.reason) out.push(`reason: ${f.reason}`);
  return `${out.join('\n')}\n`;
}

function timelineJson(rollout: Rollout, result: SimulationResult): unknown {
  const tz = rollout.check.timezone;
  return {
    rollout: rollout.name,
    timezone: tz,
    stoppedBecause: result.stoppedBecause,
    final: result.final,
    timeline: result.timeline.map((e) => ({
      at: new Date(e.at).toISOString(),
      local: localClock(e.at, tz).text,
      state: e.state,
      stage: e.stage,
      percent: e.percent,
      decision: e.action,
      notices: e.notices,
      reasons: e.reasons,
      measurements: e.measurements,
      criteria: e.results.map((r) => ({
        criterion: r.criterion.text,
        kind: r.kind,
        verdict: r.verdict,
        value: r.value,
        interval: r.interval,
        confidence: r.confidence,
      })),
    })),
  };
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('replay a rollout against a metric series in virtual time and print the decision timeline')
    .argument('<rollout>', 'rollout file (YAML)')
    .requiredOption(
      '--metrics <file>',
      'series: CSV or JSON rows of time, metric, value | numerator,denominator, status',
    )
    .option(
      '--from <iso>',
      "virtual start (default: the rollout's start time, else the series' first absolute time, else now)",
    )
    .option('--auto-approve', 'give every approval the rollout waits for at once')
    .option('--json', 'print the timeline as JSON')
    .action(async (file: string, opts: SimulateOptions) => {
      const rollout = await loadRolloutFile(file);
      const series = await loadSeriesFile(opts.metrics);
      const origin = originOf(rollout, opts.from, earliestAbsoluteTime(series));
      const provider = new ReplayMetricsProvider(series, origin, rollout.metrics);
      const schedule = nextCheckFn(rollout.check.schedule, rollout.check.timezone);
      try {
        const lastRow = provider.lastTime() ?? origin;
        // one more check after the last row, so the last bucket is read (windows end before `now`)
        const until = Math.max(origin, schedule.next(lastRow));
        const result = await simulateRollout({
          rollout,
          metrics: provider,
          store: new MemoryStateStore(),
          // the simulated toggle is declared: whether the real one is, `validate --online` says
          toggles: new MemoryToggleProvider({ features: [rollout.toggle.feature] }),
          from: origin,
          until,
          nextCheck: schedule.next,
          autoApprove: opts.autoApprove === true,
        });
        writeOut(
          opts.json
            ? `${JSON.stringify(timelineJson(rollout, result), null, 2)}\n`
            : renderTimeline(rollout, result, opts.metrics),
        );
      } finally {
        schedule.close();
      }
    });
}
