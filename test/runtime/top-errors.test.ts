import { describe, expect, it } from 'vitest';
import type {
  MetricsProvider,
  TopValuesAnswer,
  TopValuesProvider,
  TopValuesQuery,
  TimeWindow,
} from '../../src/ports/metrics-provider.js';
import type { Rollout } from '../../src/rollout/types.js';
import { queryTopErrors } from '../../src/runtime/top-errors.js';
import { captureLogger } from '../store/helpers.js';
import { twoStageRollout } from './two-stage.js';

const errors = {
  provider: 'logs-dd',
  source: 'logs',
  search: 'status:error',
  groupBy: '@error.message',
  top: 3,
} as const;
const rollout: Rollout = { ...twoStageRollout('r1'), report: { errors } };
const window: TimeWindow = { from: 1_000, to: 61_000 };

function provider(answer: (q: TopValuesQuery, signal?: AbortSignal) => Promise<TopValuesAnswer>) {
  const asked: { q: TopValuesQuery; window: TimeWindow; signal?: AbortSignal }[] = [];
  const p: MetricsProvider & TopValuesProvider = {
    name: 'dd',
    query: async () => ({ kind: 'value', value: 0 }),
    queryMany: async () => [],
    topValues: (q: TopValuesQuery, w: TimeWindow, signal?: AbortSignal) => {
      asked.push({ q, window: w, signal });
      return answer(q, signal);
    },
  };
  return { p, asked };
}

describe('queryTopErrors', () => {
  it('asks the named provider for the top values of the facet and returns them as error counts', async () => {
    const { p, asked } = provider(async () => ({
      kind: 'values',
      values: [
        { value: 'SMTP 550', count: 12 },
        { value: 'timeout', count: 3 },
      ],
    }));
    const names: (string | undefined)[] = [];
    const result = await queryTopErrors(rollout, (n) => (names.push(n), p), window, captureLogger().logger);
    expect(result).toEqual([
      { message: 'SMTP 550', count: 12 },
      { message: 'timeout', count: 3 },
    ]);
    expect(names).toEqual(['logs-dd']);
    expect(asked[0]?.q).toEqual({
      source: 'logs',
      search: 'status:error',
      facet: '@error.message',
      limit: 3,
    });
    expect(asked[0]?.window).toEqual(window);
    expect(asked[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('is null without an errors query or with an empty window, asking nothing', async () => {
    const { p, asked } = provider(async () => ({ kind: 'values', values: [] }));
    const log = captureLogger().logger;
    expect(await queryTopErrors(twoStageRollout('r1'), () => p, window, log)).toBeNull();
    expect(await queryTopErrors(rollout, () => p, { from: 5, to: 5 }, log)).toBeNull();
    expect(asked).toHaveLength(0);
  });

  it('is [] when the query ran and found nothing', async () => {
    const { p } = provider(async () => ({ kind: 'values', values: [] }));
    expect(await queryTopErrors(rollout, () => p, window, captureLogger().logger)).toEqual([]);
  });

  it.each([
    [
      'an error answer',
      async (): Promise<TopValuesAnswer> => ({ kind: 'error', code: 'E_PROVIDER_AUTH', message: '403' }),
    ],
    ['a throw', async (): Promise<TopValuesAnswer> => Promise.reject(new Error('socket hang up'))],
  ])('turns %s into null and one warning, never a throw', async (_, answer) => {
    const { p } = provider(answer);
    const cap = captureLogger();
    expect(await queryTopErrors(rollout, () => p, window, cap.logger)).toBeNull();
    expect(cap.lines.map((l) => [l.level, l.msg])).toEqual([[40, 'errors query failed, not recorded']]);
    expect(cap.lines[0]).toMatchObject({ source: 'logs', groupBy: '@error.message' });
  });

  it('warns when the provider cannot group events', async () => {
    const plain: MetricsProvider = {
      name: 'replay',
      query: async () => ({ kind: 'value', value: 0 }),
      queryMany: async () => [],
    };
    const cap = captureLogger();
    expect(await queryTopErrors(rollout, () => plain, window, cap.logger)).toBeNull();
    expect(cap.lines[0]).toMatchObject({
      msg: 'errors query not supported by the metrics provider',
      provider: 'replay',
    });
  });

  it('gives up after the timeout: the signal aborts', async () => {
    const { p } = provider(
      (_q, signal) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    );
    const cap = captureLogger();
    expect(await queryTopErrors(rollout, () => p, window, cap.logger, 20)).toBeNull();
    expect(cap.lines[0]).toMatchObject({ msg: 'errors query failed, not recorded', error: 'aborted' });
  });
});
