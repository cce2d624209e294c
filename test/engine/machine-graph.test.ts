import { describe, expect, it } from 'vitest';
import { actionsFor } from '../../src/engine/machine-actions.js';
import { ROLLOUT_GRAPH } from '../../src/engine/machine-graph.js';
import { guardsFor } from '../../src/engine/machine-guards.js';
import { createKit } from '../../src/engine/machine-kit.js';
import { makeRollout } from './rollout-factory.js';

/*
 * machine-graph.ts is data: the shape DESIGN.md §4 describes, every name it
 * uses defined, every target a state. (What the transitions do, driven by
 * events, is machine.test.ts.)
 */

interface Transition {
  readonly guard?: string;
  readonly target?: string;
  readonly actions?: string | readonly string[];
}

interface StateNode {
  readonly initial?: string;
  readonly entry?: string;
  readonly on?: Record<string, Transition | readonly Transition[]>;
  readonly states?: Record<string, StateNode>;
}

const graph = ROLLOUT_GRAPH as unknown as StateNode & { id: string };

/** Every state as its path (`running.applying`), with its node. */
function statesOf(node: StateNode, prefix = ''): [string, StateNode][] {
  return Object.entries(node.states ?? {}).flatMap(([name, child]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    return [[path, child] as [string, StateNode], ...statesOf(child, path)];
  });
}

const STATES = statesOf(graph);

function transitions(node: StateNode, event: string): Transition[] {
  const t = node.on?.[event];
  return t === undefined ? [] : Array.isArray(t) ? [...(t as Transition[])] : [t as Transition];
}

function allTransitions(): { state: string; event: string; t: Transition }[] {
  return STATES.flatMap(([state, node]) =>
    Object.keys(node.on ?? {}).flatMap((event) => transitions(node, event).map((t) => ({ state, event, t }))),
  );
}

function node(path: string): StateNode {
  const found = STATES.find(([p]) => p === path)?.[1];
  if (!found) throw new Error(`no state ${path}`);
  return found;
}

const actionList = (t: Transition): string[] =>
  t.actions === undefined ? [] : typeof t.actions === 'string' ? [t.actions] : [...t.actions];

describe('ROLLOUT_GRAPH', () => {
  it('has the states of DESIGN.md §4, starting in pending and running.observing', () => {
    expect(STATES.map(([p]) => p).sort()).toEqual(
      [
        'pending',
        'running',
        'running.applying',
        'running.observing',
        'running.awaitingApproval',
        'paused',
        'rollingBack',
        'rolledBack',
        'completed',
      ].sort(),
    );
    expect(graph.initial).toBe('pending');
    expect(node('running').initial).toBe('observing');
  });

  it('names only guards and actions the machine defines', () => {
    const kit = createKit(makeRollout());
    const guards = new Set(Object.keys(guardsFor(kit)));
    const actions = new Set(Object.keys(actionsFor(kit)));
    const usedGuards = allTransitions().flatMap(({ t }) => (t.guard ? [t.guard] : []));
    const usedActions = [
      ...allTransitions().flatMap(({ t }) => actionList(t)),
      ...STATES.flatMap(([, n]) => (n.entry ? [n.entry] : [])),
    ];
    expect(usedGuards.length).toBeGreaterThan(10);
    expect(usedGuards.filter((g) => !guards.has(g))).toEqual([]);
    expect(usedActions.filter((a) => !actions.has(a))).toEqual([]);
  });

  it('every target is a state: #rollout.<path> or a sibling of the source', () => {
    const paths = new Set(STATES.map(([p]) => p));
    const unresolved = allTransitions().flatMap(({ state, t }) => {
      if (t.target === undefined) return [];
      const parent = state.includes('.') ? state.slice(0, state.lastIndexOf('.')) : '';
      const path = t.target.startsWith('#rollout.')
        ? t.target.slice('#rollout.'.length)
        : parent
          ? `${parent}.${t.target}`
          : t.target;
      return paths.has(path) ? [] : [`${state} → ${t.target}`];
    });
    expect(unresolved).toEqual([]);
  });

  it('uses no timers: deadlines are context, compared on events', () => {
    expect(JSON.stringify(ROLLOUT_GRAPH)).not.toContain('"after"');
    expect(STATES.filter(([, n]) => 'after' in n)).toEqual([]);
  });

  it('every TICK with users exposed checks drift, then a breach, then a policy pause, first', () => {
    for (const state of ['running.observing', 'running.awaitingApproval']) {
      expect(
        transitions(node(state), 'TICK')
          .slice(0, 3)
          .map((t) => [t.guard, t.target]),
      ).toEqual([
        ['drifted', '#rollout.paused'],
        ['mustRollBack', '#rollout.rollingBack'],
        ['mustPause', '#rollout.paused'],
      ]);
    }
    // a pause keeps rollback protection, and a write in flight does not wait for its result to roll back
    expect(transitions(node('paused'), 'TICK')[0]).toMatchObject({
      guard: 'mustRollBack',
      target: 'rollingBack',
    });
    expect(transitions(node('running.applying'), 'TICK')[0]).toMatchObject({
      guard: 'mustRollBack',
      target: '#rollout.rollingBack',
    });
  });

  it('PAUSE and ABORT are declared once on running for its three substates', () => {
    expect(transitions(node('running'), 'PAUSE')).toEqual([
      { target: '#rollout.paused', actions: ['pauseByOperator', 'noticePaused'] },
    ]);
    expect(transitions(node('running'), 'ABORT')).toEqual([
      { target: '#rollout.rollingBack', actions: 'planRollback' },
    ]);
    for (const sub of ['applying', 'observing', 'awaitingApproval']) {
      expect(Object.keys(node(`running.${sub}`).on ?? {})).not.toContain('PAUSE');
      expect(Object.keys(node(`running.${sub}`).on ?? {})).not.toContain('ABORT');
    }
  });

  it('the ends: completed takes only ABORT (the kill switch), rolledBack only RETRY back to pending', () => {
    expect(Object.keys(node('completed').on ?? {})).toEqual(['ABORT']);
    expect(transitions(node('completed'), 'ABORT')[0]?.target).toBe('#rollout.rollingBack');
    expect(transitions(node('rolledBack'), 'RETRY')).toEqual([{ target: 'pending', actions: 'restart' }]);
    expect(Object.keys(node('rolledBack').on ?? {})).toEqual(['RETRY']);
  });

  it('a report on a stale intent is ignored before anything else, wherever writes are reported', () => {
    for (const state of ['running.applying', 'rollingBack']) {
      for (const event of ['TOGGLE_APPLIED', 'TOGGLE_FAILED']) {
        expect(transitions(node(state), event)[0]).toEqual({ guard: 'staleReport' });
      }
    }
  });

  it('a failed rollback never leaves rollingBack; a failed forward write pauses only when retries run out', () => {
    const failed = transitions(node('rollingBack'), 'TOGGLE_FAILED');
    expect(failed.every((t) => t.target === undefined)).toBe(true);
    expect(failed.at(-1)).toEqual({ actions: ['rollbackFailed', 'noticeRollbackFailed'] });
    expect(transitions(node('running.applying'), 'TOGGLE_FAILED').slice(1)).toEqual([
      {
        guard: 'writeRetriesExhausted',
        target: '#rollout.paused',
        actions: ['pauseForWrites', 'noticePaused'],
      },
      { actions: 'scheduleWriteRetry' },
    ]);
  });

  it('each guarded list ends in a fallback where one is needed, and awaiting approval sets no deadline', () => {
    // a TICK always records its check: the last TICK transition of every state that takes one has no guard
    for (const [state, n] of STATES) {
      const ticks = transitions(n, 'TICK');
      if (ticks.length === 0) continue;
      expect(ticks.at(-1)?.guard, state).toBeUndefined();
      expect(actionList(ticks.at(-1) ?? {}), state).toContain('recordCheck');
    }
    expect(node('running.awaitingApproval').entry).toBe('clearDeadline');
  });
});
