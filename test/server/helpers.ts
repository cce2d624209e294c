import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type {
  HistoryEntry,
  RolloutRecord,
  RolloutSummary,
  StateStore,
  HistoryPage,
  SaveOptions,
} from '../../src/ports/state-store.js';
import type { ApplyCommand, CommandOutcome, OperatorCommandName, ServerDeps } from '../../src/server/deps.js';
import { StagegateMetrics } from '../../src/server/metrics.js';
import { buildServer } from '../../src/server/server.js';

/** A StateStore over two maps, with a switch to simulate an unreachable store. */
export class FakeStore implements StateStore {
  readonly records = new Map<string, RolloutRecord>();
  readonly entries = new Map<string, HistoryEntry[]>();
  down = false;

  private guard(): void {
    if (this.down) throw new StagegateError('E_STORE_IO', 'state dir .stagegate is not readable');
  }
  async load(name: string): Promise<RolloutRecord | undefined> {
    this.guard();
    return this.records.get(name);
  }
  async save(record: RolloutRecord, expectedVersion: number, opts: SaveOptions = {}): Promise<RolloutRecord> {
    this.guard();
    const saved = { ...record, version: expectedVersion + 1 };
    this.records.set(record.name, saved);
    this.entries.set(record.name, [...(this.entries.get(record.name) ?? []), ...(opts.history ?? [])]);
    return saved;
  }
  async appendHistory(name: string, entry: HistoryEntry): Promise<void> {
    this.guard();
    this.entries.set(name, [...(this.entries.get(name) ?? []), entry]);
  }
  async history(name: string, page: HistoryPage = {}): Promise<HistoryEntry[]> {
    this.guard();
    const all = this.entries.get(name) ?? [];
    const end = all.length - Math.min(page.before ?? 0, all.length);
    return all.slice(page.limit === undefined ? 0 : Math.max(0, end - page.limit), end);
  }
  async list(): Promise<RolloutRecord[]> {
    this.guard();
    return [...this.records.values()];
  }
}

export const T0 = Date.parse('2025-06-17T12:00:00Z');

export function summary(over: Partial<RolloutSummary> = {}): RolloutSummary {
  return {
    state: 'running',
    stage: 'canary',
    stageIndex: 0,
    percent: 2,
    reason: null,
    lastCheck: T0,
    ...over,
  };
}

export function record(name: string, over: Partial<RolloutSummary> = {}): RolloutRecord {
  return {
    name,
    version: 3,
    specHash: 'abc',
    snapshot: {},
    intent: null,
    summary: summary(over),
    updatedAt: T0,
  };
}

export interface CommandCall {
  name: string;
  command: OperatorCommandName;
  by: string;
  reason: string | null;
  now: number;
}

/**
 * Stands in for the controller's applyOperatorCommand: `approve` is refused
 * unless the rollout awaits approval, unknown rollouts are E_NOT_FOUND.
 */
export function fakeApply(store: FakeStore, calls: CommandCall[]): ApplyCommand {
  return async (name, command, opts): Promise<CommandOutcome> => {
    calls.push({ name, command, ...opts });
    const rec = await store.load(name);
    if (!rec) throw new StagegateError('E_NOT_FOUND', `no rollout named "${name}"`);
    if (command === 'approve' && rec.summary.state !== 'awaiting_approval') {
      return {
        accepted: false,
        message: `cannot approve ${name}: it is ${rec.summary.state}, not awaiting approval`,
      };
    }
    return { accepted: true, message: `${command} accepted`, summary: { ...rec.summary, state: 'paused' } };
  };
}

export const TOKEN = 's3cret-token-value';

export function deps(store: FakeStore, calls: CommandCall[], over: Partial<ServerDeps> = {}): ServerDeps {
  return {
    store,
    metrics: new StagegateMetrics({ defaultMetrics: false }),
    logger: silentLogger(),
    applyCommand: fakeApply(store, calls),
    auth: { token: TOKEN, tokenEnv: 'STAGEGATE_API_TOKEN' },
    now: () => T0 + 1000,
    ...over,
  };
}

/** The store most server tests start from: alpha running with a spec, a stage and one check; beta awaiting approval. */
export function filledStore(): FakeStore {
  const store = new FakeStore();
  store.records.set(
    'beta',
    record('beta', { state: 'awaiting_approval', stage: 'stage-e', stageIndex: 4, percent: 75 }),
  );
  store.records.set('alpha', record('alpha'));
  store.entries.set('alpha', [
    { type: 'spec', at: T0 - 10_000, specHash: 'abc', source: 'rollouts/alpha.yaml' },
    { type: 'stage', at: T0 - 5_000, event: 'entered', stage: 'canary', percent: 2, why: 'started' },
    {
      type: 'check',
      at: T0,
      stage: 'canary',
      percent: 2,
      detail: {
        measurements: {
          error_rate: { kind: 'ratio', value: 0.02, numerator: 2, denominator: 100 },
          sent: { kind: 'no-data', reason: 'empty series' },
        },
        results: [
          {
            criterion: { text: 'error_rate < 5%', metric: 'error_rate', percent: true },
            kind: 'advance',
            verdict: 'inconclusive',
            value: 0.02,
            interval: [0.005, 0.07],
            reason: 'error_rate 2.0% (0.5%–7.0%) needs < 5%',
          },
        ],
        decision: { action: 'hold', reasons: ['error_rate inconclusive'] },
        state: 'running',
        toggle: 2,
        exposure: '2% of actors',
        durationMs: 12,
        errors: null,
        postLaunch: null,
      },
    },
  ]);
  return store;
}

/**
 * Registers an afterEach that closes the server of the current test, and returns the builder each
 * route test uses: a server over a (filled or empty) FakeStore that records operator commands.
 */
export function serverSetup() {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  return function setup(over: Partial<ServerDeps> = {}, fill = true) {
    const store = fill ? filledStore() : new FakeStore();
    const calls: CommandCall[] = [];
    const d = deps(store, calls, over);
    const built = buildServer(d);
    app = built;
    return { app: built, store, calls, deps: d };
  };
}
