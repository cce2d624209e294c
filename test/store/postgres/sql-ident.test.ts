import { describe, expect, it } from 'vitest';
import { quoteSchema } from '../../../src/store/postgres/sql-ident.js';

describe('quoteSchema', () => {
  it.each(['stagegate', '_x', 'a1_b2', 'a'.repeat(63)])('quotes the plain identifier %j', (name) => {
    expect(quoteSchema(name)).toBe(`"${name}"`);
  });

  it.each(['', 'Stagegate', '1abc', 'a-b', 'a"; DROP TABLE x; --', 'a b', 'a'.repeat(64), 'é'])(
    'refuses %j with E_CONFIG_INVALID before it can reach SQL',
    (name) => {
      expect(() => quoteSchema(name)).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
    },
  );
});
