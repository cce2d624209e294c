import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import { MAX_BY_LENGTH } from '../../../src/rollout/operator-input.js';
import {
  commandBodySchema,
  historyQuerySchema,
  issuesOf,
  rolloutName,
} from '../../../src/server/routes/params.js';

describe('rolloutName', () => {
  it('returns a valid rollout name', () => {
    expect(rolloutName({ name: 'ebg-emails-2' })).toBe('ebg-emails-2');
  });

  it.each([[{ name: '../etc' }], [{ name: 'Upper' }], [{ name: 'a.b' }], [{}], [undefined]])(
    '%j is not found (E_NOT_FOUND), not a bad request',
    (params) => {
      const err = (() => {
        try {
          rolloutName(params);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(StagegateError);
      expect((err as StagegateError).code).toBe('E_NOT_FOUND');
    },
  );

  it('quotes at most 80 characters of the name', () => {
    expect(() => rolloutName({ name: `/${'x'.repeat(500)}` })).toThrow(/^no rollout named "\/x{79}"$/);
  });
});

describe('historyQuerySchema', () => {
  it.each([
    [{}, {}],
    [{ limit: '10' }, { limit: 10 }],
    [
      { limit: '1', before: '0' },
      { limit: 1, before: 0 },
    ],
  ])('accepts %j as %j', (query, parsed) => {
    expect(historyQuerySchema.parse(query)).toEqual(parsed);
  });

  it.each([[{ limit: '0' }], [{ limit: '10001' }], [{ limit: '1.5' }], [{ before: '-1' }], [{ page: '2' }]])(
    'refuses %j',
    (query) => {
      expect(historyQuerySchema.safeParse(query).success).toBe(false);
    },
  );
});

describe('commandBodySchema and issuesOf', () => {
  it('accepts by and reason, and nothing else', () => {
    expect(commandBodySchema.parse({ by: 'ian', reason: '5xx' })).toEqual({ by: 'ian', reason: '5xx' });
    const extra = commandBodySchema.safeParse({ by: 'ian', force: true });
    expect(extra.success).toBe(false);
    if (!extra.success) expect(issuesOf(extra.error).join('\n')).toMatch(/force/);
  });

  it('names the field of each issue', () => {
    const r = commandBodySchema.safeParse({ by: 'x'.repeat(MAX_BY_LENGTH * 4 + 1), reason: 3 });
    expect(r.success).toBe(false);
    if (!r.success) {
      const issues = issuesOf(r.error);
      expect(issues).toHaveLength(2);
      expect(issues.some((i) => i.startsWith('by: '))).toBe(true);
      expect(issues.some((i) => i.startsWith('reason: '))).toBe(true);
    }
  });
});
