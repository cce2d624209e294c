import { describe, expect, it } from 'vitest';
import { defaultZeroInner } from '../../../src/providers/metrics/default-zero.js';

describe('defaultZeroInner', () => {
  it.each([
    ['default_zero(sum:ebg.email.sent{env:prod}.as_count())', 'sum:ebg.email.sent{env:prod}.as_count()'],
    ['  default_zero ( sum:a{*} )  ', 'sum:a{*}'],
    // the outermost parentheses belong to default_zero, inner ones stay
    ['default_zero(sum:a{*}.rollup(sum, 60))', 'sum:a{*}.rollup(sum, 60)'],
    ['default_zero(\n  sum:a{*}\n)', 'sum:a{*}'],
  ])('%j is wrapped: %j', (query, inner) => {
    expect(defaultZeroInner(query)).toBe(inner);
  });

  it.each([
    ['sum:a{*}'],
    ['abs(default_zero(sum:a{*}))'],
    ['default_zero(sum:a{*}) * 2'],
    ['default_zeros(sum:a{*})'],
    ['default_zero(sum:a{*}) + default_zero(sum:b{*})'],
  ])('%j is not wrapped', (query) => {
    expect(defaultZeroInner(query)).toBeUndefined();
  });
});
