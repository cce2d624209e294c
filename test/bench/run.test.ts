import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { SECTIONS, runSections, selectSections, type Section } from '../../src/bench/run.js';

const RUN_JS = fileURLToPath(new URL('../../dist/bench/run.js', import.meta.url));

function fake(key: string, log: string[]): Section {
  return {
    key,
    title: `Title ${key}`,
    bench: async () => {
      log.push(`bench ${key}`);
      return key;
    },
  };
}

describe('bench runner', () => {
  it('knows the four sections', () => {
    expect(SECTIONS.map((s) => s.key)).toEqual([
      'decision-quality',
      'controller-throughput',
      'failover',
      'fault-latency',
    ]);
  });

  it('selects every section without names, else the named ones in the order given', () => {
    expect(selectSections([]).map((s) => s.key)).toEqual(SECTIONS.map((s) => s.key));
    expect(selectSections(['failover', 'controller-throughput']).map((s) => s.key)).toEqual([
      'failover',
      'controller-throughput',
    ]);
  });

  it('refuses an unknown name with E_USAGE, naming the known ones', () => {
    let err: unknown;
    try {
      selectSections(['failover', 'nope']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StagegateError);
    expect((err as StagegateError).code).toBe('E_USAGE');
    expect((err as Error).message).toContain(
      '"nope"; known: decision-quality, controller-throughput, failover',
    );
  });

  it('prints each heading before its section runs and its duration after', async () => {
    const log: string[] = [];
    await runSections([fake('a', log), fake('b', log)], (t) => log.push(t));
    expect(log.map((l) => l.replace(/\d+\.\d s/, 'N s'))).toEqual([
      '\n## Title a\n\n',
      'bench a',
      '\n(Title a: N s)\n',
      '\n## Title b\n\n',
      'bench b',
      '\n(Title b: N s)\n',
    ]);
  });

  it('exits 2 with the usage message for an unknown section (built dist/bench/run.js)', async () => {
    const child = spawn(process.execPath, [RUN_JS, 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^bench: unknown benchmark "nope"; known: /);
  });
});
