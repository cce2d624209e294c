import { describe, expect, it } from 'vitest';
import { StagegateMetrics, noopMetrics } from '../../src/server/metrics.js';
import type { Criterion } from '../../src/rollout/types.js';
import { summary } from './helpers.js';

const crit = (text: string, metric: string, op: Criterion['op'], threshold: number): Criterion => ({
  text,
  metric,
  op,
  threshold,
  percent: true,
  forChecks: 1,
});

const criteria = {
  advance: [
    crit('error_rate < 5%', 'error_rate', '<', 0.05),
    crit('click_through > 30%', 'click_through', '>', 0.3),
  ],
  rollback: [crit('error_rate > 5% for 2 checks', 'error_rate', '>', 0.05)],
};

function lines(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

describe('StagegateMetrics', () => {
  it('records checks: counter by result, last values and thresholds', async () => {
    const m = new StagegateMetrics({ defaultMetrics: false });
    m.recordCheck({
      rollout: 'ebg',
      decision: 'hold',
      measurements: {
        error_rate: { kind: 'ratio', value: 0.031, numerator: 31, denominator: 1000 },
        sent: { kind: 'value', value: 1000 },
        click_through: { kind: 'no-data', reason: 'empty' },
      },
      criteria,
    });
    m.recordCheck({ rollout: 'ebg', decision: 'advance', measurements: {}, criteria });
    m.recordCheck({ rollout: 'ebg', decision: 'advance', measurements: {} });
    const text = await m.text();
    expect(lines(text, 'stagegate_checks_total')).toEqual([
      'stagegate_checks_total{rollout="ebg",result="hold"} 1',
      'stagegate_checks_total{rollout="ebg",result="advance"} 2',
    ]);
    expect(lines(text, 'stagegate_metric_value')).toEqual([
      'stagegate_metric_value{rollout="ebg",metric="error_rate"} 0.031',
      'stagegate_metric_value{rollout="ebg",metric="sent"} 1000',
    ]);
    expect(lines(text, 'stagegate_metric_threshold')).toEqual([
      'stagegate_metric_threshold{rollout="ebg",metric="error_rate",kind="advance",op="<"} 0.05',
      'stagegate_metric_threshold{rollout="ebg",metric="click_through",kind="advance",op=">"} 0.3',
      'stagegate_metric_threshold{rollout="ebg",metric="error_rate",kind="rollback",op=">"} 0.05',
    ]);
  });

  it('drops a metric value when the next check has no data, and thresholds removed from the spec', async () => {
    const m = new StagegateMetrics({ defaultMetrics: false });
    m.recordCheck({
      rollout: 'ebg',
      decision: 'hold',
      measurements: { sent: { kind: 'value', value: 5 } },
      criteria,
    });
    m.recordCheck({
      rollout: 'ebg',
      decision: 'hold',
      measurements: { sent: { kind: 'error', code: 'E_PROVIDER_UNREACHABLE', message: 'timeout' } },
      criteria: { advance: criteria.advance.slice(0, 1), rollback: [] },
    });
    const text = await m.text();
    expect(lines(text, 'stagegate_metric_value{')).toEqual([]);
    expect(lines(text, 'stagegate_metric_threshold{')).toEqual([
      'stagegate_metric_threshold{rollout="ebg",metric="error_rate",kind="advance",op="<"} 0.05',
    ]);
  });

  it('records state as one 0/1 series per state and the percent', async () => {
    const m = new StagegateMetrics({ defaultMetrics: false });
    m.recordSummary('ebg', summary({ state: 'running', percent: 2 }));
    m.recordSummary('ebg', summary({ state: 'rolling_back', percent: 0 }));
    const text = await m.text();
    expect(lines(text, 'stagegate_rollout_percent{')).toEqual(['stagegate_rollout_percent{rollout="ebg"} 0']);
    expect(lines(text, 'stagegate_rollout_state{')).toEqual([
      'stagegate_rollout_state{rollout="ebg",state="pending"} 0',
      'stagegate_rollout_state{rollout="ebg",state="running"} 0',
      'stagegate_rollout_state{rollout="ebg",state="awaiting_approval"} 0',
      'stagegate_rollout_state{rollout="ebg",state="paused"} 0',
      'stagegate_rollout_state{rollout="ebg",state="rolling_back"} 1',
      'stagegate_rollout_state{rollout="ebg",state="rolled_back"} 0',
      'stagegate_rollout_state{rollout="ebg",state="completed"} 0',
    ]);
  });

  it('records provider requests, errors, rate limits, toggle writes and rollbacks', async () => {
    const m = new StagegateMetrics({ defaultMetrics: false });
    m.recordProviderRequest({ provider: 'datadog', durationSeconds: 0.2, ok: true });
    m.recordProviderRequest({ provider: 'datadog', durationSeconds: 3, ok: false });
    m.recordProviderError({ provider: 'datadog', code: 'E_PROVIDER_RATE_LIMITED' });
    m.recordRateLimit({ provider: 'datadog', name: 'query_scalar', remaining: 17 });
    m.recordToggleWrite({ rollout: 'ebg', action: 'set', ok: true });
    m.recordToggleWrite({ rollout: 'ebg', action: 'disable', ok: false });
    m.recordRollback('ebg');
    const text = await m.text();
    expect(lines(text, 'stagegate_provider_request_duration_seconds_count')).toEqual([
      'stagegate_provider_request_duration_seconds_count{provider="datadog",outcome="ok"} 1',
      'stagegate_provider_request_duration_seconds_count{provider="datadog",outcome="error"} 1',
    ]);
    expect(text).toContain(
      'stagegate_provider_request_duration_seconds_bucket{le="0.25",provider="datadog",outcome="ok"} 1',
    );
    expect(text).toContain(
      'stagegate_provider_request_duration_seconds_bucket{le="2.5",provider="datadog",outcome="error"} 0',
    );
    expect(lines(text, 'stagegate_provider_errors_total{')).toEqual([
      'stagegate_provider_errors_total{provider="datadog",code="E_PROVIDER_RATE_LIMITED"} 1',
    ]);
    expect(lines(text, 'stagegate_datadog_ratelimit_remaining{')).toEqual([
      'stagegate_datadog_ratelimit_remaining{provider="datadog",name="query_scalar"} 17',
    ]);
    expect(lines(text, 'stagegate_toggle_writes_total{')).toEqual([
      'stagegate_toggle_writes_total{rollout="ebg",action="set",result="ok"} 1',
      'stagegate_toggle_writes_total{rollout="ebg",action="disable",result="error"} 1',
    ]);
    expect(lines(text, 'stagegate_rollbacks_total{')).toEqual(['stagegate_rollbacks_total{rollout="ebg"} 1']);
  });

  it('forgetRollout removes the per-rollout gauges', async () => {
    const m = new StagegateMetrics({ defaultMetrics: false });
    m.recordSummary('ebg', summary());
    m.recordCheck({
      rollout: 'ebg',
      decision: 'hold',
      measurements: { sent: { kind: 'value', value: 1 } },
      criteria,
    });
    m.forgetRollout('ebg');
    const text = await m.text();
    for (const name of [
      'stagegate_rollout_percent{',
      'stagegate_rollout_state{',
      'stagegate_metric_value{',
      'stagegate_metric_threshold{',
    ]) {
      expect(lines(text, name)).toEqual([]);
    }
  });

  it('includes default process metrics with the stagegate_ prefix', async () => {
    const m = new StagegateMetrics();
    const text = await m.text();
    expect(text).toContain('# TYPE stagegate_process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE stagegate_nodejs_heap_size_used_bytes gauge');
  });

  it('two instances do not share series', async () => {
    const a = new StagegateMetrics({ defaultMetrics: false });
    const b = new StagegateMetrics({ defaultMetrics: false });
    a.recordRollback('x');
    expect(lines(await b.text(), 'stagegate_rollbacks_total{')).toEqual([]);
  });

  it('noopMetrics accepts every call', () => {
    expect(() => {
      noopMetrics.recordCheck({ rollout: 'x', decision: 'hold', measurements: {} });
      noopMetrics.recordRollback('x');
    }).not.toThrow();
  });
});
