import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * `stagegate simulate` spawned from dist/ (build first: npx tsc -p .config/tsconfig.build.json)
 * on the example files of docs/simulate.md in test/fixtures/series/.
 */

const CLI = resolve(import.meta.dirname, '../../../dist/cli/main.js');
const FIXTURES = resolve(import.meta.dirname, '../../fixtures/series');
const ROLLOUT = join(FIXTURES, 'ebg-emails.yaml');
const FROM = '2025-06-17T09:00:00-04:00';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function stagegate(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `stagegate simulate` of the ebg rollout over one series of the fixtures, from FROM */
function simulate(series: string, ...args: string[]): Promise<Run> {
  return stagegate(
    'simulate',
    ROLLOUT,
    '--metrics',
    join(FIXTURES, `${series}.csv`),
    '--from',
    FROM,
    ...args,
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-simulate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('stagegate simulate', () => {
  it('prints the decision timeline and the final state', async () => {
    const r = await simulate('ebg-regression');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `simulating ebg-emails-simulated against ${join(FIXTURES, 'ebg-regression.csv')} (times in America/New_York)`,
    );
    expect(lines[1]).toMatch(/^time\s+state\s+stage\s+percent\s+decision\s+values\s+reason$/);
    expect(lines[2]).toMatch(
      /^Tue 2025-06-17 09:00\s+running\s+canary\s+2%\s+advance → started\s+-\s+starting canary \(2%\)$/,
    );
    const rollback = lines.find((l) => l.startsWith('Tue 2025-06-17 11:30'));
    expect(rollback).toMatch(/rolled_back\s+stage-c\s+0%\s+rollback → rolled_back/);
    expect(rollback).toContain('error_rate 12% (>5% breach, <5% fail)');
    expect(lines.at(-2)).toBe('final: rolled_back at stage-c, 0% after 2h30m (stopped: rolled_back)');
    expect(lines.at(-1)).toBe(
      'reason: error_rate 12% (600/5000) breaches > 5%: evidence 479.6 of 7.3 (CUSUM, 5000 trials this stage) for 2 of 2 checks',
    );
  });

  it('--json prints the same timeline for machines', async () => {
    const r = await simulate('ebg-healthy', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      stoppedBecause: string;
      final: { state: string; stage: string; percent: number };
      timeline: Array<{ at: string; local: string; decision: string; notices: string[] }>;
    };
    expect(out.stoppedBecause).toBe('end of series');
    expect(out.final).toMatchObject({ state: 'awaiting_approval', stage: 'stage-c', percent: 50 });
    expect(out.timeline[0]).toMatchObject({
      at: '2025-06-17T13:00:00.000Z',
      local: '2025-06-17 09:00',
      decision: 'advance',
    });
    expect(out.timeline.filter((e) => e.notices.length > 0).map((e) => e.notices[0])).toEqual([
      'started',
      'advanced',
      'advanced',
      'awaiting_approval',
    ]);
  });

  it('--auto-approve gives the approvals and the rollout completes', async () => {
    const r = await simulate('ebg-healthy', '--auto-approve');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('final: completed at stage-e, 100% after 4h (stopped: completed)');
  });

  it('follows a cron schedule in the rollout’s time zone', async () => {
    const yaml = (await readFile(ROLLOUT, 'utf8')).replace('every: 15m', "cron: '0,30 * * * *'");
    const cronRollout = join(dir, 'cron.yaml');
    await writeFile(cronRollout, yaml);
    const r = await stagegate(
      'simulate',
      cronRollout,
      '--metrics',
      join(FIXTURES, 'ebg-healthy.csv'),
      '--from',
      '2025-06-17T09:10:00-04:00',
      '--json',
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { timeline: Array<{ local: string }> };
    expect(out.timeline.slice(0, 3).map((e) => e.local)).toEqual([
      '2025-06-17 09:10',
      '2025-06-17 09:30',
      '2025-06-17 10:00',
    ]);
  });

  it.each([
    [['--metrics', 'missing.csv'], 'stagegate: missing.csv: no such file'],
    [
      ['--metrics', join(FIXTURES, 'ebg-emails.yaml')],
      'ebg-emails.yaml: not valid CSV: Invalid Record Length',
    ],
  ])('exits 1 with a clear message on a bad series %j', async (args, message) => {
    const r = await stagegate('simulate', ROLLOUT, ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('exits 1 on a bad rollout file', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'name: Bad Name\n');
    const r = await stagegate('simulate', bad, '--metrics', join(FIXTURES, 'ebg-healthy.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:1:`);
  });

  it('exits 2 on a bad --from and when --metrics is missing', async () => {
    expect(
      (await stagegate('simulate', ROLLOUT, '--metrics', join(FIXTURES, 'ebg-healthy.csv'), '--from', 'soon'))
        .code,
    ).toBe(2);
    expect((await stagegate('simulate', ROLLOUT)).code).toBe(2);
  });
});
