import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/rollout/canonical-json.js';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: 1, x: [{ d: 1, c: 2 }] }, a: null }, '{"a":null,"z":{"x":[{"c":2,"d":1}],"y":1}}'],
    [{ a: undefined, b: 1 }, '{"b":1}'],
    [[3, 1, 2], '[3,1,2]'], // arrays keep their order: stage order matters
    ['text', '"text"'],
    [42, '42'],
    [null, 'null'],
    [{}, '{}'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('is the same for the same spec written in another key order', () => {
    const a = { name: 'x', toggle: { feature: 'f', provider: 'p' }, stages: [{ percent: 10, name: 's' }] };
    const b = { stages: [{ name: 's', percent: 10 }], toggle: { provider: 'p', feature: 'f' }, name: 'x' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
  });

  it('differs when a value differs', () => {
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
});
