import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeHistoryEntry, HISTORY_VERSION } from '../../src/ports/history.js';
import { buildReportModel } from '../../src/report/index.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/*
 * The history codec: entries written before the version field (test/fixtures/history-v0,
 * written by the runner of stagegate 0.1 before the runtime rework) decode into the current
 * shape, and the records' v1 machine snapshots restore.
 */

const FIXTURE = resolve(import.meta.dirname, '../fixtures/history-v0');
const NAMES = ['fx-completed', 'fx-rolled-back', 'fx-paused'];

async function fixtureStore(): Promise<FileStateStore> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-history-v0-'));
  await cp(FIXTURE, dir, { recursive: true });
  return new FileStateStore({ dir });
}

describe('history written by stagegate 0.1', () => {
  it.each(NAMES)('%s: every line decodes, as the current version', async (name) => {
    const lines = (await readFile(join(FIXTURE, 'history', `${name}.jsonl`), 'utf8')).trim().split('\n');
    const history = await (await fixtureStore()).history(name);
    expect(history).toHaveLength(lines.length);
    expect(history.every((e) => e.v === HISTORY_VERSION)).toBe(true);
    const checks = history.filter((e) => e.type === 'check');
    expect(checks.length).toBeGreaterThan(0);
    // v0 wrote criteria as text: the codec gives the metric and the percent flag
    const result = checks.flatMap((c) => c.detail.results).find((r) => r.kind === 'advance');
    expect(result?.criterion).toEqual({ text: 'error_rate < 5%', metric: 'error_rate', percent: true });
  });

  it('the report of a v0 rollback says when the toggle went off (the write was appended before the check)', async () => {
    const store = await fixtureStore();
    const record = await store.load('fx-rolled-back');
    if (!record) throw new Error('fixture record missing');
    const rollout = parseRolloutText(rolloutYaml({ name: 'fx-rolled-back' }), 'rollouts/fx-rolled-back.yaml');
    const model = buildReportModel(record, await store.history('fx-rolled-back'), rollout);
    expect(model.rollbacks).toHaveLength(1);
    expect(model.rollbacks[0]?.toggleOffAt).toBe(model.rollbacks[0]?.at);
    expect(model.stages.map((s) => s.status)).toEqual(['passed', 'rolled back', 'not reached']);
  });

  it.each(NAMES)('%s: the v1 machine snapshot restores and the engine goes on', async (name) => {
    const store = await fixtureStore();
    const record = await store.load(name);
    if (!record) throw new Error('fixture record missing');
    const rollout = parseRolloutText(rolloutYaml({ name }), `rollouts/${name}.yaml`);
    const session = openEngineSession(rollout, record);
    expect(session.summary()).toEqual(record.summary);
    if (name === 'fx-paused') {
      expect(session.canAccept('resume')).toEqual({ ok: true });
      session.command('resume', { now: record.updatedAt + 1, by: 't', reason: null });
      expect(session.summary().state).toBe('running');
    }
  });
});

describe('decodeHistoryEntry', () => {
  it('refuses an entry from a newer version, with the reason', () => {
    expect(decodeHistoryEntry({ v: HISTORY_VERSION + 1, type: 'check', at: 1 })).toEqual({
      ok: false,
      problem: `history entry version ${HISTORY_VERSION + 1} is newer than this stagegate`,
    });
  });

  it.each([
    [{ type: 'nonsense', at: 1 }],
    [{ type: 'check' }],
    [{ type: 'stage', at: 1, event: 'moved', stage: 'a', percent: 1, why: 'x' }],
  ])('refuses %j', (raw) => {
    expect(decodeHistoryEntry(raw).ok).toBe(false);
  });

  it('round-trips a stage entry', () => {
    const entry = {
      v: 1,
      type: 'stage',
      at: 5,
      event: 'entered',
      stage: 'canary',
      percent: 2,
      why: 'toggle set to 2%',
    };
    expect(decodeHistoryEntry(JSON.parse(JSON.stringify(entry)))).toEqual({ ok: true, value: entry });
  });
});
