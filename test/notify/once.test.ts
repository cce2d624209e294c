import { describe, expect, it } from 'vitest';
import { firstTime, onceKey } from '../../src/notify/once.js';

describe('held_too_long de-duplication', () => {
  const held = { type: 'held_too_long' as const, stage: 'canary', reason: 'maxStageDuration 72h exceeded' };

  it.each([
    ['nothing sent yet', [], held, true],
    ['the same stage and reason', [onceKey(held)], held, false],
    ['the same reason at the next stage', [onceKey(held)], { ...held, stage: 'stage-b' }, true],
    ['another reason at the same stage', [onceKey(held)], { ...held, reason: 'no data for 6h' }, true],
    ['a null stage', [onceKey({ ...held, stage: null })], { ...held, stage: null }, false],
  ])('%s: send %s', (_label, sent, event, send) => {
    const result = firstTime(sent, event);
    expect(result.send).toBe(send);
    expect(result.sent).toEqual(send ? [...sent, onceKey(event)] : sent);
  });

  it('keeps stage and reason apart in the key', () => {
    expect(onceKey({ type: 'held_too_long', stage: 'a', reason: 'b c' })).not.toBe(
      onceKey({ type: 'held_too_long', stage: 'a b', reason: 'c' }),
    );
  });
});
