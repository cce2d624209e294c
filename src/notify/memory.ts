import { StagegateError } from '../errors.js';
import type { Notifier, RolloutEvent } from '../ports/notifier.js';

/*
 * Records every event it is sent: for tests, `simulate` and the demo. It can
 * be told to fail its first sends, to exercise retries.
 */

export interface MemoryNotifierOptions {
  /** the first this-many sends fail with a retryable error */
  readonly failFirst?: number;
}

export class MemoryNotifier implements Notifier {
  readonly name: string;
  readonly events: RolloutEvent[] = [];
  /** every call to send, failed or not */
  attempts = 0;
  #failuresLeft: number;

  constructor(name = 'memory', opts: MemoryNotifierOptions = {}) {
    this.name = name;
    this.#failuresLeft = opts.failFirst ?? 0;
  }

  async send(event: RolloutEvent): Promise<void> {
    this.attempts += 1;
    if (this.#failuresLeft > 0) {
      this.#failuresLeft -= 1;
      throw new StagegateError('E_PROVIDER_UNREACHABLE', `notifier ${this.name}: failing as told`, {
        notifier: this.name,
        retryable: true,
      });
    }
    this.events.push(event);
  }
}
