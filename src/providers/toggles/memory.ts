import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { Gate, ToggleProvider, ToggleState } from '../../ports/toggle-provider.js';
import { callFields, loggedCall, type CallFields } from './call-log.js';
import {
  absentToggleState,
  assertValidPercent,
  clearedToggleState,
  toggleState,
  withDisabled,
  withEnabled,
  withPercent,
} from './toggle-state.js';

/*
 * Toggles in a Map, with Flipper's semantics: for `simulate` (virtual time,
 * no network) and tests. `setManually` plays the human who changes a toggle
 * behind the controller's back, which the runner must report as drift.
 */

export type ManualChange = Partial<Omit<ToggleState, 'feature' | 'exists' | 'exposure'>>;

export interface MemoryToggleOptions {
  readonly name?: string;
  readonly logger?: Logger;
  /** features that exist from the start, all gates off; any other one reads as missing */
  readonly features?: readonly string[];
}

export class MemoryToggleProvider implements ToggleProvider {
  readonly name: string;
  readonly #logger: Logger;
  readonly #toggles = new Map<string, ToggleState>();

  constructor(options: MemoryToggleOptions = {}) {
    this.name = options.name ?? 'memory';
    this.#logger = options.logger ?? silentLogger();
    for (const feature of options.features ?? []) this.#toggles.set(feature, clearedToggleState(feature));
  }

  read(feature: string): Promise<ToggleState> {
    return this.#call(callFields(this.name, feature, 'read', null), () => this.#get(feature));
  }

  setPercent(feature: string, percent: number, gate: Gate): Promise<ToggleState> {
    return this.#call(callFields(this.name, feature, 'set', percent, gate), () => {
      assertValidPercent(feature, percent);
      return this.#put(withPercent(this.#get(feature), percent, gate));
    });
  }

  disable(feature: string, mode: 'zero' | 'disable'): Promise<ToggleState> {
    return this.#call(callFields(this.name, feature, 'disable', mode), () =>
      this.#put(withDisabled(this.#get(feature), mode)),
    );
  }

  enable(feature: string): Promise<ToggleState> {
    return this.#call(callFields(this.name, feature, 'enable', null), () =>
      this.#put(withEnabled(this.#get(feature))),
    );
  }

  /** A change made outside the controller (a person in the Flipper UI); creates the feature if needed. */
  setManually(feature: string, change: ManualChange): ToggleState {
    const before = this.#toggles.get(feature) ?? clearedToggleState(feature);
    return this.#put({ ...before, ...change, feature, exists: true });
  }

  /** Removes a feature, as if it had never been created. */
  remove(feature: string): void {
    this.#toggles.delete(feature);
  }

  #get(feature: string): ToggleState {
    return copy(this.#toggles.get(feature) ?? absentToggleState(feature));
  }

  #put(state: ToggleState): ToggleState {
    const stored = copy(state);
    this.#toggles.set(state.feature, stored);
    return copy(stored);
  }

  #call(fields: CallFields, run: () => ToggleState): Promise<ToggleState> {
    return loggedCall(this.#logger, fields, async () => run());
  }
}

/** Copies the arrays, so a caller cannot change a stored toggle through a returned state. */
function copy(state: ToggleState): ToggleState {
  return toggleState({ ...state, actors: [...state.actors].sort(), groups: [...state.groups].sort() });
}
