import { test } from 'vitest';
import { RolloutEngine } from '../../src/engine/rollout-engine.js';
import { makeRollout, healthy, breaching, toggleAt, T0, MIN, HOUR } from './rollout-factory.js';
test('smoke', () => {
  const r = makeRollout();
  const e = RolloutEngine.create(r);
  const log = (x: unknown) => console.log(JSON.stringify(x));
  let t = T0;
  let res = e.send({ type: 'TICK', now: t, measurements: {}, toggle: toggleAt(0) });
  log([e.state(), res.transitions, e.intent()]);
  res = e.send({ type: 'TOGGLE_APPLIED', now: t, state: toggleAt(10) });
  log([e.state(), res.notices.map(n => n.type), e.summary()]);
  for (let i = 1; i <= 14; i++) {
    t += 5 * MIN;
    res = e.send({ type: 'TICK', now: t, measurements: healthy(), toggle: toggleAt(e.context().appliedPercent) });
    log([i, e.state(), res.decision?.action, res.decision?.reasons]);
    const w = e.writeDue(t);
    if (w) { res = e.send({ type: 'TOGGLE_APPLIED', now: t, state: toggleAt(w.percent) }); log(['applied', e.state(), res.notices.map(n=>n.type)]); }
  }
  t += 5*MIN;
  res = e.send({ type: 'TICK', now: t, measurements: breaching(), toggle: toggleAt(50) });
  log([e.state(), res.decision?.reasons]);
  t += 5*MIN;
  res = e.send({ type: 'TICK', now: t, measurements: breaching(), toggle: toggleAt(50) });
  log([e.state(), res.decision?.reasons, e.intent()]);
  res = e.send({ type: 'TOGGLE_FAILED', now: t, error: 'boom' });
  log([e.state(), res.notices, e.retryAt()]);
  log(e.canAccept('PAUSE'));
  res = e.send({ type: 'TOGGLE_APPLIED', now: t, state: toggleAt(0) });
  log([e.state(), res.notices.map(n=>[n.type,n.reason]), e.summary()]);
  const p = JSON.parse(JSON.stringify(e.persisted()));
  const e2 = RolloutEngine.create(r, p);
  log([e2.state(), e2.canAccept('RETRY')]);
});
