import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/cli/commands/report.js';
import { StagegateError } from '../../../src/errors.js';
import { registerSecret } from '../../../src/secrets/scrubber.js';
import { createStateStore } from '../../../src/store/factory.js';
import { completedHistory, recordFor } from '../../report/fixtures.js';
import { captureOutput } from '../helpers.js';

const ROLLOUT_YAML = `name: event-bus-gateway-emails
description: Notification emails through Event Bus Gateway
toggle: { provider: flipper, feature: event_bus_gateway_emails_enabled }
check: { every: 5m, timezone: America/New_York }
stages:
  - { name: canary,  percent: 2,   minDuration: 4h, minSamples: 150 }
  - { name: stage-b, percent: 25,  minDuration: 8h }
  - { name: stage-c, percent: 50,  minDuration: 8h }
  - { name: stage-d, percent: 75,  minDuration: 8h }
  - { name: stage-e, percent: 100, minDuration: 8h, approval: required }
samples: sent
metrics:
  sent: { datadog: { query: "sum:ebg.email.sent{env:prod}.as_count()" } }
  error_rate:
    datadog: { numerator: "sum:ebg.email.failed{env:prod}.as_count()", denominator: "sum:ebg.email.sent{env:prod}.as_count()" }
    window: 15m
  click_through:
    datadog: { numerator: "sum:ebg.email.clicked{env:prod}.as_count()", denominator: "sum:ebg.email.delivered{env:prod}.as_count()" }
  contact_center_calls: { datadog: { query: "sum:va.contact_center.calls{topic:ebg}.as_count()" } }
criteria:
  advance: [error_rate < 5%, click_through > 30%, contact_center_calls < 2]
  rollback: [error_rate > 5% for 2 checks]
postLaunch: [7d, 30d]
`;

let dir: string;
let out: string;
let err: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stagegate-report-'));
  mkdirSync(join(dir, 'rollouts'));
  writeFileSync(join(dir, 'rollouts', 'ebg.yaml'), ROLLOUT_YAML);
  writeFileSync(
    join(dir, 'stagegate.yaml'),
    `rolloutsDir: ${join(dir, 'rollouts')}\nstate: { type: file, dir: ${join(dir, 'state')} }\n`,
  );
  const store = createStateStore({ type: 'file', dir: join(dir, 'state') });
  const rec = recordFor('event-bus-gateway-emails', 'completed', 'stage-e', 4, 100, null);
  await store.save({ ...rec, version: 0 }, 0);
  for (const entry of completedHistory()) await store.appendHistory(rec.name, entry);
  out = '';
  err = '';
  captureOutput(
    (text) => (out += text),
    (text) => (err += text),
  );
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<void> {
  const program = new Command('stagegate').option('--config <file>').exitOverride();
  register(program);
  await program.parseAsync(['node', 'stagegate', '--config', join(dir, 'stagegate.yaml'), 'report', ...args]);
}

describe('stagegate report', () => {
  it('prints the markdown report with planned values from the rollout file found by name', async () => {
    await run('event-bus-gateway-emails');
    expect(err).toBe('');
    expect(out).toContain('# Release report: event-bus-gateway-emails\n');
    expect(out).toContain(
      '### Stage A: canary (2% of users)\n\n#### Planning\n\n- Length of time: 4h / at least 150 samples\n',
    );
    expect(out).toContain('- Number of unique users: 3,702\n');
    expect(out).toContain('### 1-month results\n\n- Not yet measured (due 2025-07-20 08:01 GMT-4)\n');
    expect(out).toContain('delete `' + join(dir, 'rollouts', 'ebg.yaml') + '`.');
  });

  it('prints no secret, even one a provider echoed into the record', async () => {
    const secret = 'dd-app-key-0f3c9a7e5b1d';
    const store = createStateStore({ type: 'file', dir: join(dir, 'state') });
    const rec = await store.load('event-bus-gateway-emails');
    if (!rec) throw new Error('no record');
    await store.save(
      { ...rec, summary: { ...rec.summary, reason: `Datadog 400: bad key ${secret}` } },
      rec.version,
    );
    registerSecret(secret);
    for (const format of ['md', 'json', 'html']) {
      out = '';
      await run('event-bus-gateway-emails', '--format', format);
      expect(out.length).toBeGreaterThan(100);
      expect(out).not.toContain(secret);
    }
  });

  it('--format json prints the model', async () => {
    await run('event-bus-gateway-emails', '--format', 'json');
    const model = JSON.parse(out) as { stages: { name: string; uniqueUsers: number | null }[] };
    expect(model.stages.map((s) => [s.name, s.uniqueUsers])).toEqual([
      ['canary', 200],
      ['stage-b', 3702],
      ['stage-c', 4994],
      ['stage-d', 8123],
      ['stage-e', 11000],
    ]);
  });

  it('the markdown report has a Mermaid chart per metric per stage', async () => {
    await run('event-bus-gateway-emails');
    expect(out).toContain('```mermaid\nxychart-beta\n  title "error_rate in canary"');
    expect(out).toContain('title "click_through in stage-e"');
  });

  it('--format html prints a document with the same charts as the status page', async () => {
    await run('event-bus-gateway-emails', '--format', 'html');
    expect(out.startsWith('<!doctype html>')).toBe(true);
    expect(out.match(/<svg class="chart"/g)).toHaveLength(4);
    expect(out).toContain('<th scope="row">A: canary</th><td>2%, at least 4h, 150 samples</td>');
  });

  it('without a rollout file it reports from history and says so on stderr', async () => {
    rmSync(join(dir, 'rollouts', 'ebg.yaml'));
    await run('event-bus-gateway-emails');
    expect(err).toBe(
      `stagegate: no valid rollout file named "event-bus-gateway-emails" in ${join(dir, 'rollouts')}: planned values omitted\n`,
    );
    expect(out).toContain('### Stage B: stage-b (25% of users)');
  });

  it.each([
    [
      ['ghost'],
      'E_NOT_FOUND',
      'no state for rollout "ghost": it has not run yet (or state.dir is not the controller\'s)',
    ],
    [
      ['event-bus-gateway-emails', '--format', 'pdf'],
      'E_USAGE',
      '--format must be one of md, json, html, not "pdf"',
    ],
    [['../etc'], 'E_USAGE', '"../etc" is not a rollout name (lowercase letters, digits and dashes)'],
  ])('%j → %s', async (args, code, message) => {
    const e = await run(...args).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StagegateError);
    expect(e).toMatchObject({ code, message });
  });
});
