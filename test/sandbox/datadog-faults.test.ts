import { describe, expect, it } from 'vitest';
import { FaultQueue } from '../../src/sandbox/datadog-faults.js';

/* Faults injected into the Datadog sandbox (src/sandbox/datadog-faults.ts). */

describe('FaultQueue', () => {
  it('answers the next `times` matching requests, oldest fault first', () => {
    const q = new FaultQueue(() => 0);
    q.inject({ status: 503, times: 2, endpoint: 'scalar' });
    q.inject({ status: 500, times: 1 });
    expect(q.take('logs')?.status).toBe(500);
    expect([q.take('scalar')?.status, q.take('scalar')?.status, q.take('scalar')]).toEqual([
      503,
      503,
      undefined,
    ]);
  });

  it('a fault with `until` lasts until that time on the sandbox clock; clear ends every fault', () => {
    let now = 1000;
    const q = new FaultQueue(() => now);
    q.inject({ status: 429, until: 2000 });
    expect([q.take('rum')?.status, q.take('validate')?.status]).toEqual([429, 429]);
    now = 2000;
    expect(q.take('rum')).toBeUndefined();
    q.inject({ status: 503 });
    q.clear();
    expect(q.take('rum')).toBeUndefined();
  });
});
