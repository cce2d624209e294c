import { describe, expect, it } from 'vitest';
import {
  checkOnline,
  formatOnlineRow,
  onlineExitCode,
  readConfiguredToggle,
  readRolloutToggle,
  type OnlineRow,
} from '../../src/cli/validate-online.js';
import { StagegateError } from '../../src/errors.js';
import type { ToggleProvider } from '../../src/ports/toggle-provider.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import type { Rollout } from '../../src/rollout/types.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

const rollout = (name: string, feature: string, create = false): Rollout => {
  const r = parseRolloutText(rolloutYaml({ name, feature, toggleProvider: 'mem' }), `rollouts/${name}.yaml`);
  return { ...r, toggle: { ...r.toggle, create } };
};

/** A provider whose reads fail with `code`. */
function failing(code: 'E_PROVIDER_UNREACHABLE'): ToggleProvider {
  const mem = new MemoryToggleProvider({ name: 'mem' });
  return Object.assign(Object.create(mem) as ToggleProvider, {
    name: 'mem',
    read: () => Promise.reject(new StagegateError(code, 'Flipper did not answer (ECONNREFUSED)')),
  });
}

describe('readRolloutToggle', () => {
  it('an existing feature: its state, nothing missing', async () => {
    const mem = new MemoryToggleProvider({ name: 'mem', features: ['ebg_emails'] });
    await mem.setPercent('ebg_emails', 2, 'percentage_of_actors');
    const row = await readRolloutToggle(rollout('ebg', 'ebg_emails'), mem);
    expect(row).toMatchObject({
      rollout: 'ebg',
      provider: 'mem',
      feature: 'ebg_emails',
      missing: null,
      error: null,
    });
    expect(row.state?.percentageOfActors).toBe(2);
    expect(formatOnlineRow(row)).toMatch(/^ebg: mem ebg_emails: exists, 2% of actors/);
  });

  it('a missing feature is reported, unless the rollout may create it', async () => {
    const mem = new MemoryToggleProvider({ name: 'mem' });
    const refused = await readRolloutToggle(rollout('ebg', 'nope'), mem);
    expect(refused.missing).toBe('feature nope does not exist in mem');
    expect(formatOnlineRow(refused)).toBe(
      'ebg: mem nope: feature nope does not exist in mem (a gate write would create it; toggle.create: true opts in)',
    );
    const created = await readRolloutToggle(rollout('ebg', 'nope', true), mem);
    expect(created.missing).toBeNull();
    expect(formatOnlineRow(created)).toBe(
      'ebg: mem nope: does not exist yet (toggle.create: true, the first write creates it)',
    );
  });

  it('a read failure is data on the row, never a throw', async () => {
    const row = await readRolloutToggle(rollout('ebg', 'ebg_emails'), failing('E_PROVIDER_UNREACHABLE'));
    expect(row.state).toBeNull();
    expect(row.error).toEqual({
      code: 'E_PROVIDER_UNREACHABLE',
      message: 'Flipper did not answer (ECONNREFUSED)',
    });
    expect(formatOnlineRow(row)).toBe(
      'ebg: mem ebg_emails: cannot read: E_PROVIDER_UNREACHABLE: Flipper did not answer (ECONNREFUSED)',
    );
  });
});

describe('checkOnline and onlineExitCode', () => {
  it('reads every rollout from its own provider, in order', async () => {
    const mem = new MemoryToggleProvider({ name: 'mem', features: ['a_on'] });
    const asked: string[] = [];
    const rows = await checkOnline([rollout('a', 'a_on'), rollout('b', 'b_missing')], (name) => {
      asked.push(name);
      return mem;
    });
    expect(asked).toEqual(['mem', 'mem']);
    expect(rows.map((r) => [r.rollout, r.missing])).toEqual([
      ['a', null],
      ['b', 'feature b_missing does not exist in mem'],
    ]);
  });

  const row = (over: Partial<OnlineRow>): OnlineRow => ({
    rollout: 'r',
    provider: 'mem',
    feature: 'f',
    state: null,
    missing: null,
    error: null,
    ...over,
  });

  it.each<[string, OnlineRow[], 0 | 1 | 3]>([
    ['all present', [row({})], 0],
    ['a missing feature', [row({}), row({ missing: 'feature f does not exist in mem' })], 1],
    ['an unexpected read error', [row({ error: { code: 'E_UNEXPECTED', message: 'x' } })], 1],
    [
      'an unreachable provider wins over a missing feature',
      [row({ missing: 'm' }), row({ error: { code: 'E_PROVIDER_UNREACHABLE', message: 'x' } })],
      3,
    ],
    ['a refused token', [row({ error: { code: 'E_PROVIDER_AUTH', message: 'x' } })], 3],
  ])('%s → exit %i', (_what, rows, code) => {
    expect(onlineExitCode(rows)).toBe(code);
  });
});

describe('readConfiguredToggle', () => {
  it('a provider that cannot be built is reported on the line, not thrown', async () => {
    const row = await readConfiguredToggle(rollout('ebg', 'ebg_emails'), () => {
      throw new StagegateError('E_CONFIG_INVALID', 'toggle provider "mem" is not configured');
    });
    expect(row).toMatchObject({
      provider: 'mem',
      state: null,
      error: { code: 'E_CONFIG_INVALID', message: 'toggle provider "mem" is not configured' },
    });
  });
});
