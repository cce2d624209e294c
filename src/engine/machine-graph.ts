/*
 * The rollout machine's graph (DESIGN.md §4): states, events, and which named
 * guard (machine-guards.ts) picks which named actions (machine-actions.ts).
 * Data only, so the whole shape reads on one page.
 *
 *   pending ──start──▶ running.applying ──TOGGLE_APPLIED──▶ running.observing ──advance──▶ running.applying …
 *                                                              │        ▲
 *                                       approval needed next ──▶ running.awaitingApproval ──APPROVE──▶ applying
 *   running.* / paused ──breach, ABORT──▶ rollingBack ──TOGGLE_APPLIED──▶ rolledBack ──RETRY──▶ pending
 *   completed ──ABORT (kill switch after launch)──▶ rollingBack
 *   running.* ──PAUSE, drift, errors, no data, failing, maxStageDuration──▶ paused ──RESUME──▶ running.* | pending
 *   last stage holds ──▶ completed (through applying when onComplete is `enable`)
 *
 * PAUSE and ABORT are declared once, on `running`, for all three substates.
 */

const PAUSE = { target: '#rollout.paused', actions: ['pauseByOperator', 'noticePaused'] } as const;

const ABORT = { target: '#rollout.rollingBack', actions: 'planRollback' } as const;

const ROLL_BACK = {
  guard: 'mustRollBack',
  target: '#rollout.rollingBack',
  actions: ['recordCheck', 'planRollback'],
} as const;

// every TICK while users are exposed checks these first, in this order: a human's hand on the toggle,
// then a breach, then a pause the policy asks for; only then the state's own progress
const PROTECTING_TICK = [
  { guard: 'drifted', target: '#rollout.paused', actions: ['recordCheck', 'pauseForDrift', 'noticePaused'] },
  ROLL_BACK,
  {
    guard: 'mustPause',
    target: '#rollout.paused',
    actions: ['recordCheck', 'pauseForDecision', 'noticePaused'],
  },
] as const;

// the last stage completes (through a write when onComplete enables the toggle); any other advances
const PROMOTE = [
  { guard: 'lastStageEnables', target: 'applying', actions: 'planComplete' },
  { guard: 'atLastStage', target: '#rollout.completed', actions: ['markCompleted', 'noticeCompleted'] },
  { target: 'applying', actions: 'planNext' },
] as const;

const WRITE_FAILED = [
  { guard: 'writeRetriesExhausted', target: '#rollout.paused', actions: ['pauseForWrites', 'noticePaused'] },
  { actions: 'scheduleWriteRetry' },
] as const;

export const ROLLOUT_GRAPH = {
  id: 'rollout',
  initial: 'pending',
  states: {
    pending: {
      on: {
        TICK: [
          { guard: 'mustAdvance', target: 'running.applying', actions: ['recordCheck', 'planStart'] },
          {
            guard: 'firstWaitForApproval',
            actions: ['recordCheck', 'requestApproval', 'noticeApprovalOnce'],
          },
          { actions: ['recordCheck', 'holdReason'] },
        ],
        APPROVE: { guard: 'startApprovable', target: 'running.applying', actions: ['approve', 'planStart'] },
        PROMOTE: { target: 'running.applying', actions: 'planStart' },
        PAUSE,
        ABORT: { target: 'rolledBack', actions: 'abortBeforeStart' },
      },
    },
    running: {
      initial: 'observing',
      on: { PAUSE, ABORT },
      states: {
        applying: {
          on: {
            TICK: [ROLL_BACK, { actions: 'recordCheck' }],
            TOGGLE_APPLIED: [
              { guard: 'staleReport' },
              {
                guard: 'completionTookEffect',
                target: '#rollout.completed',
                actions: ['markCompleted', 'noticeCompleted'],
              },
              { guard: 'writeTookEffect', target: 'observing', actions: ['noticeEntered', 'enterStage'] },
              ...WRITE_FAILED,
            ],
            TOGGLE_FAILED: [{ guard: 'staleReport' }, ...WRITE_FAILED],
            RETRY: { guard: 'writeFailedBefore', actions: 'retryNow' },
          },
        },
        observing: {
          on: {
            TICK: [
              ...PROTECTING_TICK,
              {
                guard: 'mustCompleteByEnabling',
                target: 'applying',
                actions: ['recordCheck', 'planComplete'],
              },
              {
                guard: 'mustComplete',
                target: '#rollout.completed',
                actions: ['recordCheck', 'markCompleted', 'noticeCompleted'],
              },
              { guard: 'mustAdvance', target: 'applying', actions: ['recordCheck', 'planNext'] },
              {
                guard: 'waitsForApproval',
                target: 'awaitingApproval',
                actions: ['recordCheck', 'requestApproval', 'noticeApprovalOnce'],
              },
              { actions: ['recordCheck', 'holdReason'] },
            ],
            PROMOTE,
          },
        },
        awaitingApproval: {
          // waiting on a human is not a stuck stage: no maxStageDuration deadline here
          entry: 'clearDeadline',
          on: {
            TICK: [
              ...PROTECTING_TICK,
              // a spec changed under a waiting rollout may no longer need the approval
              { guard: 'mustAdvance', target: 'applying', actions: ['recordCheck', 'planNext'] },
              { actions: 'recordCheck' },
            ],
            APPROVE: { guard: 'approvalStillValid', target: 'applying', actions: ['approve', 'planNext'] },
            PROMOTE,
          },
        },
      },
    },
    paused: {
      on: {
        TICK: [
          {
            // a pause never stops protection, not even a drift pause: a person owns the
            // toggle's percent, but a breach still turns it off (issue 11)
            guard: 'mustRollBack',
            target: 'rollingBack',
            actions: ['recordCheck', 'planRollback'],
          },
          { actions: 'recordCheck' },
        ],
        RESUME: [
          { guard: 'resumesToPending', target: 'pending', actions: 'resumePending' },
          { guard: 'resumesByReapplying', target: 'running.applying', actions: 'resumeReapply' },
          { target: 'running.observing', actions: 'resumeObserving' },
        ],
        ABORT: [{ guard: 'pausedBeforeStart', target: 'rolledBack', actions: 'abortBeforeStart' }, ABORT],
      },
    },
    rollingBack: {
      on: {
        TOGGLE_APPLIED: [
          { guard: 'staleReport' },
          { guard: 'writeTookEffect', target: 'rolledBack', actions: ['finishRollback', 'noticeRolledBack'] },
          { actions: ['rollbackFailed', 'noticeRollbackFailed'] },
        ],
        TOGGLE_FAILED: [{ guard: 'staleReport' }, { actions: ['rollbackFailed', 'noticeRollbackFailed'] }],
        RETRY: { guard: 'writeFailedBefore', actions: 'retryNow' },
      },
    },
    rolledBack: {
      on: { RETRY: { target: 'pending', actions: 'restart' } },
    },
    // the kill switch after launch (post-launch problems): an abort turns the toggle off like a rollback
    completed: {
      on: { ABORT },
    },
  },
} as const;
