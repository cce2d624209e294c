import { describe, expect, it } from 'vitest';
import {
  byProblems,
  checkOperatorInput,
  MAX_BY_LENGTH,
  MAX_REASON_LENGTH,
  reasonProblems,
} from '../../src/rollout/operator-input.js';

describe('byProblems', () => {
  it.each(['alice', '  alice  ', 'Zoë Ödegaard', 'ops-bot@example.test', 'x'.repeat(MAX_BY_LENGTH)])(
    'accepts %j',
    (by) => {
      expect(byProblems(by)).toEqual([]);
    },
  );

  it.each([
    ['', ['by: must not be empty']],
    ['   ', ['by: must not be empty']],
    ['x'.repeat(MAX_BY_LENGTH + 1), ['by: at most 100 characters']],
    [
      'alice\nINFO forged',
      ['by: must be one line of printable text, found a control character (U+000A at character 6)'],
    ],
    [
      'a\u001b[31mred',
      ['by: must be one line of printable text, found a control character (U+001B at character 2)'],
    ],
    [
      'bob\u202Eevil',
      ['by: must be one line of printable text, found a control character (U+202E at character 4)'],
    ],
    [
      'a\u200Bb',
      ['by: must be one line of printable text, found a control character (U+200B at character 2)'],
    ],
    [
      `${'y'.repeat(MAX_BY_LENGTH)}\t`.padStart(MAX_BY_LENGTH + 3, '\u0007'),
      [
        'by: at most 100 characters',
        'by: must be one line of printable text, found a control character (U+0007 at character 1)',
      ],
    ],
  ])('%j → %j', (by, problems) => {
    expect(byProblems(by)).toEqual(problems);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(byProblems('😀'.repeat(MAX_BY_LENGTH))).toEqual([]);
  });
});

describe('reasonProblems', () => {
  it.each(['rollback drill', 'line one\nline two', 'col\tseparated\r\nCRLF', 'r'.repeat(MAX_REASON_LENGTH)])(
    'accepts %j',
    (reason) => {
      expect(reasonProblems(reason)).toEqual([]);
    },
  );

  it.each([
    [' ', ['reason: must not be empty when given']],
    ['r'.repeat(MAX_REASON_LENGTH + 1), ['reason: at most 1000 characters']],
    ['ok \u001b]8;;evil', ['reason: must not contain control characters (U+001B at character 4)']],
    ['bell\u0007', ['reason: must not contain control characters (U+0007 at character 5)']],
    ['a\u2028b', ['reason: must not contain control characters (U+2028 at character 2)']],
  ])('%j → %j', (reason, problems) => {
    expect(reasonProblems(reason)).toEqual(problems);
  });
});

describe('checkOperatorInput', () => {
  it('trims, and keeps a missing reason as null', () => {
    expect(checkOperatorInput({ by: ' alice ', reason: ' drill ' }, 'root')).toEqual({
      ok: true,
      value: { by: 'alice', reason: 'drill' },
    });
    expect(checkOperatorInput({ by: 'alice' }, 'root')).toEqual({
      ok: true,
      value: { by: 'alice', reason: null },
    });
    expect(checkOperatorInput({ by: 'alice', reason: null }, 'root')).toEqual({
      ok: true,
      value: { by: 'alice', reason: null },
    });
  });

  it('uses the default `by` when none is given, and checks it too', () => {
    expect(checkOperatorInput({}, 'api')).toEqual({ ok: true, value: { by: 'api', reason: null } });
    expect(checkOperatorInput({}, 'evil\nuser')).toEqual({
      ok: false,
      problems: ['by: must be one line of printable text, found a control character (U+000A at character 5)'],
    });
  });

  it('reports the problems of both fields, `by` first', () => {
    expect(checkOperatorInput({ by: '', reason: '' }, 'root')).toEqual({
      ok: false,
      problems: ['by: must not be empty', 'reason: must not be empty when given'],
    });
  });
});
