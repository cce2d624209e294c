import type { SandboxEndpoint } from './datadog-rate-limit.js';

/* Faults injected into the Datadog sandbox: errors, throttling and slow answers, for a count or a time. */

export interface SandboxFault {
  /** the status to answer with; omitted: answer normally (after `delayMs`) */
  readonly status?: number;
  /** only for the next `times` matching requests; otherwise until cleared or `until` */
  readonly times?: number;
  /** epoch ms on the sandbox clock */
  readonly until?: number;
  /** only for this endpoint; default every endpoint */
  readonly endpoint?: SandboxEndpoint;
  /** Datadog's `errors` texts in the body */
  readonly errors?: readonly string[];
  /** X-RateLimit-Reset to send with a 429 (default: the rest of the period) */
  readonly resetSeconds?: number;
  /** wait this long before answering (for timeouts) */
  readonly delayMs?: number;
}

/** Injected faults, oldest first; the first that matches a request answers it. */
export class FaultQueue {
  readonly #faults: Array<SandboxFault & { left: number }> = [];

  constructor(private readonly now: () => number) {}

  inject(fault: SandboxFault): void {
    this.#faults.push({ ...fault, left: fault.times ?? Infinity });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** The fault for this request, counted against its `times`; expired ones are dropped on the way. */
  take(endpoint: SandboxEndpoint): SandboxFault | undefined {
    const t = this.now();
    const faults = this.#faults;
    for (let i = 0; i < faults.length; i++) {
      const f = faults[i] as SandboxFault & { left: number };
      if (f.until !== undefined && t >= f.until) {
        faults.splice(i--, 1);
        continue;
      }
      if (f.endpoint !== undefined && f.endpoint !== endpoint) continue;
      f.left -= 1;
      if (f.left <= 0) faults.splice(i, 1);
      return f;
    }
    return undefined;
  }
}
