import { describe, expect, it } from 'vitest';
import { iso, isoOrNull } from '../../src/report/iso-time.js';

/* The report's times (src/report/iso-time.ts). */

describe('iso', () => {
  it('prints epoch ms as ISO 8601 UTC; missing times stay null', () => {
    expect(iso(Date.UTC(2025, 5, 17, 12))).toBe('2025-06-17T12:00:00.000Z');
    expect([isoOrNull(0), isoOrNull(null), isoOrNull(undefined)]).toEqual([
      '1970-01-01T00:00:00.000Z',
      null,
      null,
    ]);
  });
});
