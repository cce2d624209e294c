import { StagegateError } from '../errors.js';
import { confirmOff, confirmToggleWrite, describeOff } from '../ports/toggle-checks.js';
import type { ToggleProvider, ToggleState } from '../ports/toggle-provider.js';

/*
 * A rollback is done when a read-back says so, not when a write answered 200
 * (issue 11 item 7). Every provider the runtime writes through is wrapped so
 * that a write toward off is checked twice: the answer must be the feature
 * asked for with its gates closed, and a fresh read must show it off. Either
 * failing is E_TOGGLE_MISMATCH, so the engine records a failed write: the
 * rollout stays `rolling_back`, the rollback is retried, and every failure
 * raises the `rollback_failed` alert. Other writes pass through unchanged
 * (the providers check their answers themselves).
 */

function mismatch(feature: string, reason: string): StagegateError {
  return new StagegateError('E_TOGGLE_MISMATCH', `rollback of ${feature} not confirmed: ${reason}`, {
    feature,
  });
}

export function confirmingOff(provider: ToggleProvider): ToggleProvider {
  const disable = async (
    feature: string,
    mode: 'zero' | 'disable',
    signal?: AbortSignal,
  ): Promise<ToggleState> => {
    const answer = await provider.disable(feature, mode, signal);
    const check = confirmToggleWrite({ feature, action: mode === 'zero' ? 'zero' : 'disable' }, answer);
    if (!check.ok) throw mismatch(feature, check.reason);
    const read = await provider.read(feature, signal);
    if (read.feature !== feature) throw mismatch(feature, `the read-back is the document of ${read.feature}`);
    const off = confirmOff(read, mode);
    if (!off.confirmed) throw mismatch(feature, describeOff(off));
    return read;
  };
  return new Proxy(provider, {
    get(target, prop, receiver) {
      if (prop === 'disable') return disable;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
