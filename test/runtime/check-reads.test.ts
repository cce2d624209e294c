import { describe, expect, it } from 'vitest';
import type { ToggleProvider, ToggleState } from '../../src/ports/toggle-provider.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { readToggleConfirmed, untilAborted } from '../../src/runtime/check-reads.js';
import { captureLogger } from '../store/helpers.js';
import { twoStageRollout } from './two-stage.js';

const rollout = twoStageRollout('r1');
const { feature } = rollout.toggle;

/** reads answer from `script` in turn (then the real state), counting reads */
function scripted(inner: MemoryToggleProvider, script: ((s: ToggleState) => ToggleState)[]) {
  let reads = 0;
  const p: ToggleProvider = {
    name: 'scripted',
    read: async (f) => {
      const s = await inner.read(f);
      const patch = script[reads++];
      return patch ? patch(s) : s;
    },
    setPercent: (f, p, g) => inner.setPercent(f, p, g),
    disable: (f, m) => inner.disable(f, m),
    enable: (f) => inner.enable(f),
  };
  return { p, reads: () => reads };
}

async function toggleAt(percent: number): Promise<MemoryToggleProvider> {
  const inner = new MemoryToggleProvider({ features: [feature] });
  await inner.setPercent(feature, percent, rollout.toggle.gate);
  return inner;
}

describe('readToggleConfirmed', () => {
  it('one read when it matches what the controller set', async () => {
    const t = scripted(await toggleAt(5), []);
    const cap = captureLogger();
    const state = await readToggleConfirmed(t.p, rollout, 5, cap.logger, new AbortController().signal);
    expect(state?.percentageOfActors).toBe(5);
    expect(t.reads()).toBe(1);
    expect(cap.lines).toEqual([]);
  });

  it('an anomalous empty read is read again; the second read wins, with a warning', async () => {
    const t = scripted(await toggleAt(5), [(s) => ({ ...s, percentageOfActors: 0 })]);
    const cap = captureLogger();
    const state = await readToggleConfirmed(t.p, rollout, 5, cap.logger, new AbortController().signal);
    expect(state?.percentageOfActors).toBe(5);
    expect(t.reads()).toBe(2);
    expect(cap.lines.map((l) => l.msg)).toEqual([
      'toggle read looked drifted, a second read did not: not drift',
    ]);
  });

  it('real drift comes back as read (the second read), no warning', async () => {
    const t = scripted(await toggleAt(40), []);
    const cap = captureLogger();
    const state = await readToggleConfirmed(t.p, rollout, 5, cap.logger, new AbortController().signal);
    expect(state?.percentageOfActors).toBe(40);
    expect(t.reads()).toBe(2);
    expect(cap.lines).toEqual([]);
  });

  it('a failed read is null and a warning: drift not checked', async () => {
    const inner = await toggleAt(5);
    const failing: ToggleProvider = {
      name: 'down',
      read: () => Promise.reject(new Error('ECONNREFUSED')),
      setPercent: (f, p, g) => inner.setPercent(f, p, g),
      disable: (f, m) => inner.disable(f, m),
      enable: (f) => inner.enable(f),
    };
    const cap = captureLogger();
    expect(
      await readToggleConfirmed(failing, rollout, 5, cap.logger, new AbortController().signal),
    ).toBeNull();
    expect(cap.lines[0]).toMatchObject({ msg: 'toggle read failed, drift not checked', feature });
    expect(String(cap.lines[0]?.error)).toContain('ECONNREFUSED');
  });
});

describe('untilAborted', () => {
  it('gives the work its value when it ends first', async () => {
    expect(await untilAborted(new AbortController().signal, Promise.resolve(7))).toBe(7);
  });

  it('gives way (null) as soon as the signal aborts, while the work is still pending', async () => {
    const ctl = new AbortController();
    const order: string[] = [];
    const work = new Promise<number>(() => undefined);
    const waiting = untilAborted(ctl.signal, work).then((v) => order.push(`resolved ${String(v)}`));
    order.push('abort');
    ctl.abort();
    await waiting;
    expect(order).toEqual(['abort', 'resolved null']);
  });

  it('is null at once for an already aborted signal, and passes a rejection through as an Error', async () => {
    expect(await untilAborted(AbortSignal.abort(), Promise.resolve(1))).toBeNull();
    await expect(untilAborted(new AbortController().signal, Promise.reject('plain string'))).rejects.toThrow(
      'plain string',
    );
  });
});
