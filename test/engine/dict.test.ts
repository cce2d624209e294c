import { describe, expect, it } from 'vitest';
import { dict, own } from '../../src/engine/dict.js';

// Metric names come from rollout files: Object.prototype's keys must be ordinary keys.
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

describe('dict', () => {
  it.each(PROTO_KEYS)('has no inherited %s', (key) => {
    const d = dict<number>();
    expect(key in d).toBe(false);
    expect(Object.getPrototypeOf(d)).toBeNull();
  });

  it.each(PROTO_KEYS)('stores %s as an own key', (key) => {
    const d = dict<number>();
    d[key] = 7;
    expect(Object.keys(d)).toEqual([key]);
    expect(d[key]).toBe(7);
  });
});

describe('own', () => {
  it.each(PROTO_KEYS)('ignores an inherited %s of a plain object', (key) => {
    expect(own({ a: 1 } as Record<string, unknown>, key)).toBeUndefined();
  });

  it.each([
    [{ a: 1 }, 'a', 1],
    [{ a: 0 }, 'a', 0],
    [{ a: 1 }, 'b', undefined],
    [undefined, 'a', undefined],
  ] as const)('own(%j, %s) is %s', (record, key, expected) => {
    expect(own(record, key)).toBe(expected);
  });

  it('reads an own key of a prototype-less record', () => {
    const d = dict<string>();
    d['constructor'] = 'mine';
    expect(own(d, 'constructor')).toBe('mine');
  });
});
