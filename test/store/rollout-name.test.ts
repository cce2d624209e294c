import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { assertRolloutName } from '../../src/store/rollout-name.js';

describe('assertRolloutName', () => {
  it.each(['checkout', 'event-bus-gateway-emails', 'a1', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(() => assertRolloutName(name)).not.toThrow();
  });

  it.each(['../etc/passwd', 'a/b', 'a.b', 'Checkout', '', 'with space', 'x'.repeat(64), '-lead'])(
    'refuses %j with E_USAGE before any path is built',
    (name) => {
      let caught: unknown;
      try {
        assertRolloutName(name);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(StagegateError);
      expect(caught).toMatchObject({ code: 'E_USAGE', details: { name } });
      expect((caught as Error).message).toContain(`invalid rollout name ${JSON.stringify(name)}`);
    },
  );

  it('refuses a non-string that slipped past the types', () => {
    expect(() => assertRolloutName(42 as unknown as string)).toThrow(/invalid rollout name 42/);
  });
});
