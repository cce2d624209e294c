import { describe, expect, it } from 'vitest';
import { decodeHistoryLine, decodeRecord, encodeRecord } from '../../src/store/record-codec.js';
import { record } from './helpers.js';

const FRACTIONAL = 1_764_650_000_000.5;

describe('encodeRecord', () => {
  it('round-trips through decodeRecord, keeping unknown keys', () => {
    const rec = { ...record('checkout', { version: 3 }), futureField: { kept: true } };
    const decoded = decodeRecord(encodeRecord(rec));
    expect(decoded).toEqual({ ok: true, value: rec });
  });

  it('refuses a fractional epoch with E_RECORD_INVALID naming the field and the value', () => {
    expect(() => encodeRecord(record('checkout', { updatedAt: FRACTIONAL }))).toThrow(
      expect.objectContaining({
        code: 'E_RECORD_INVALID',
        details: { name: 'checkout', field: 'updatedAt', value: FRACTIONAL },
        message:
          'refusing to save rollout checkout: updatedAt: 1764650000000.5 is not a whole number of epoch milliseconds',
      }),
    );
  });
});

describe('decodeRecord', () => {
  it('refuses (does not round) a fractional epoch written by an older version', () => {
    const text = JSON.stringify(record('checkout', { version: 1, updatedAt: FRACTIONAL }));
    const decoded = decodeRecord(text);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.problem).toBe('updatedAt: 1764650000000.5 is not a whole number of epoch milliseconds');
  });

  it('says "not JSON" for a torn file and lists every bad field on one line', () => {
    const torn = decodeRecord('{"name": "a", ');
    expect(torn.ok).toBe(false);
    if (!torn.ok) expect(torn.problem).toMatch(/^not JSON \(/);

    const bad = decodeRecord(
      JSON.stringify({ ...record('a'), version: 0, summary: { ...record('a').summary, state: 'flying' } }),
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problem).not.toContain('\n');
    expect(bad.problem).toMatch(/^version: .*; summary\.state: /);
  });
});

describe('decodeHistoryLine', () => {
  it('decodes a current entry and stamps the version', () => {
    const line = JSON.stringify({ type: 'spec', at: 1, specHash: 'sha256:x', source: null });
    expect(decodeHistoryLine(line)).toEqual({
      ok: true,
      value: { type: 'spec', at: 1, specHash: 'sha256:x', source: null, v: 1 },
    });
  });

  it('calls a torn line a torn write and an unknown type not an entry', () => {
    expect(decodeHistoryLine('{"type":"che')).toEqual({ ok: false, problem: 'not JSON (torn write?)' });
    const unknown = decodeHistoryLine(JSON.stringify({ type: 'teleport', at: 1 }));
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.problem).toMatch(/^not a history entry: /);
  });
});
