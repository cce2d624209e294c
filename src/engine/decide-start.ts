import type { Decision, DecideInput, GateResult } from './decide.js';
import { stageLabel } from './format.js';
import { describeAdvanceWindow, insideAdvanceWindow, localClock } from './local-time.js';

/*
 * The gates that do not depend on measurements: the advanceDuring window, and
 * the whole decision before the first stage (start, advanceDuring, approval).
 */

export function advanceDuringGate(input: DecideInput): GateResult {
  const window = input.rollout.check.advanceDuring;
  if (!window) return { gate: 'advanceDuring', open: true, detail: 'no advanceDuring window' };
  const tz = input.rollout.check.timezone;
  const open = insideAdvanceWindow(window, input.now, tz);
  const clock = localClock(input.now, tz);
  const where = `${clock.weekday} ${clock.text.slice(11)} ${tz}`;
  return {
    gate: 'advanceDuring',
    open,
    detail: open
      ? `inside advanceDuring (${where})`
      : `outside advanceDuring ${describeAdvanceWindow(window)} (${where})`,
  };
}

export function beforeStart(input: DecideInput): Decision {
  const { rollout, now, approved } = input;
  const first = rollout.stages[0];
  const gates: GateResult[] = [];
  const start = rollout.start;
  if (start.kind === 'immediately') gates.push({ gate: 'start', open: true, detail: 'start: immediately' });
  else if (start.kind === 'at') {
    const open = now >= start.at;
    gates.push({
      gate: 'start',
      open,
      detail: open
        ? `start time ${new Date(start.at).toISOString()} reached`
        : `starts at ${new Date(start.at).toISOString()}`,
    });
  } else {
    gates.push({
      gate: 'start',
      open: approved,
      detail: approved ? 'manual start approved' : 'start: manual, waiting for approve',
    });
  }
  // never create a feature: a gate write on an unknown one creates it (and vets-api deletes it again)
  if (input.featureMissing) gates.push({ gate: 'feature', open: false, detail: input.featureMissing });
  gates.push(advanceDuringGate(input));
  if (first?.approval) {
    gates.push({
      gate: 'approval',
      open: approved,
      detail: approved ? `${first.name} approved` : `${first.name} requires approval, waiting for approve`,
    });
  }
  const approvalLike = (g: GateResult): boolean =>
    g.gate === 'approval' || (g.gate === 'start' && start.kind === 'manual');
  const closed = gates.filter((g) => !g.open);
  const open = closed.length === 0;
  return {
    at: now,
    action: open ? 'advance' : 'hold',
    cause: null,
    stageIndex: -1,
    targetStage: open ? 0 : null,
    awaitingApproval: closed.length > 0 && closed.every(approvalLike),
    reasons: open ? [`starting ${stageLabel(rollout, 0)}`] : closed.map((g) => g.detail),
    results: [],
    gates,
    samples: null,
    nextCounters: input.counters,
  };
}
