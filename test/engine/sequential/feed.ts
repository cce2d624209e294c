import {
  cusumDesign,
  updateCusum,
  type CusumState,
  type Increment,
} from '../../../src/engine/sequential/cusum.js';

/** `state` after the `> tau` detector has read every increment in order. */
export function feed(state: CusumState, incs: readonly Increment[], tau = 0.05): CusumState {
  const d = cusumDesign({ op: '>', threshold: tau });
  if (!d) throw new Error('no design');
  return incs.reduce((s, inc) => updateCusum(d, s, inc).state, state);
}
