import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { MemoryNotifier } from '../../src/notify/memory.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';

function event(type: RolloutEvent['type'], percent: number): RolloutEvent {
  return {
    type,
    rollout: 'checkout',
    feature: 'new_checkout',
    stage: 'canary',
    percent,
    at: 0,
    reason: null,
    readings: [],
  };
}

describe('MemoryNotifier', () => {
  it('records every event in the order sent', async () => {
    const n = new MemoryNotifier();
    await n.send(event('started', 10));
    await n.send(event('advanced', 50));
    expect(n.name).toBe('memory');
    expect(n.events.map((e) => [e.type, e.percent])).toEqual([
      ['started', 10],
      ['advanced', 50],
    ]);
    expect(n.attempts).toBe(2);
  });

  it('fails its first sends as told, with a retryable typed error, then records', async () => {
    const n = new MemoryNotifier('team', { failFirst: 2 });
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        await n.send(event('paused', 10));
        outcomes.push('sent');
      } catch (err) {
        expect(err).toBeInstanceOf(StagegateError);
        const e = err as StagegateError;
        outcomes.push(e.code);
        expect(e.message).toBe('notifier team: failing as told');
        expect(e.details).toEqual({ notifier: 'team', retryable: true });
      }
    }
    expect(outcomes).toEqual(['E_PROVIDER_UNREACHABLE', 'E_PROVIDER_UNREACHABLE', 'sent']);
    expect(n.attempts).toBe(3);
    expect(n.events).toHaveLength(1);
  });
});
