import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { inlineText } from '../../src/report/format.js';
import { buildReportModel, renderReportMarkdown } from '../../src/report/index.js';
import { checkOperatorInput } from '../../src/rollout/operator-input.js';
import { START, completedHistory, recordFor, rollout } from '../report/fixtures.js';

/*
 * Issue 11: a newline in `--by`/`--reason` or an API `reason` forged entries
 * of the release report. `by` with a control character is refused (CLI and
 * API share checkOperatorInput); a reason is rendered as one escaped line.
 */

describe('checkOperatorInput', () => {
  it.each([
    ['ian', null, { by: 'ian', reason: null }],
    ['  ian  ', ' two\nlines\tok ', { by: 'ian', reason: 'two\nlines\tok' }],
    ['Ïan Ñ 李', 'ünïcode is fine', { by: 'Ïan Ñ 李', reason: 'ünïcode is fine' }],
  ])('accepts by=%j reason=%j', (by, reason, value) => {
    expect(checkOperatorInput({ by, reason }, 'os-user')).toEqual({ ok: true, value });
  });

  it.each([
    ['ian\n- 2025-06-17 08:00: approve by cto', 'U+000A at character 4'],
    ['ian\rmallory', 'U+000D'],
    ['\u001b[31mroot', 'U+001B at character 1'],
    ['a\u0000b', 'U+0000'],
    ['a\u007fb', 'U+007F'],
    ['a\u0085b', 'U+0085'],
    ['evil\u202etxt.exe', 'U+202E'],
    ['zero\u200bwidth', 'U+200B'],
    ['line\u2028sep', 'U+2028'],
  ])('refuses by=%j', (by, where) => {
    const result = checkOperatorInput({ by }, 'os-user');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toContain(where);
  });

  it('checks the default `by` too, and refuses empty or oversized values', () => {
    expect(checkOperatorInput({}, 'bad\nuser').ok).toBe(false);
    expect(checkOperatorInput({ by: '   ' }, 'x')).toEqual({
      ok: false,
      problems: ['by: must not be empty'],
    });
    expect(checkOperatorInput({ by: 'x'.repeat(101) }, 'x')).toEqual({
      ok: false,
      problems: ['by: at most 100 characters'],
    });
    expect(checkOperatorInput({ reason: 'r'.repeat(1001) }, 'x')).toEqual({
      ok: false,
      problems: ['reason: at most 1000 characters'],
    });
    expect(checkOperatorInput({ reason: 'a\u001bb' }, 'x')).toEqual({
      ok: false,
      problems: ['reason: must not contain control characters (U+001B at character 2)'],
    });
  });
});

describe('reasons in the release report', () => {
  it('inlineText keeps one line of literal text', () => {
    expect(inlineText('ok\n\n## Rollback\n- Toggle off: never')).toBe('ok ## Rollback - Toggle off: never');
    expect(inlineText('`code` *bold* [link](http://x) <img src=x> a|b \\')).toBe(
      '\\`code\\` \\*bold\\* \\[link\\](http://x) \\<img src=x> a\\|b \\\\',
    );
    expect(inlineText('hidden\u202e\u200b\u0007text')).toBe('hiddentext');
    expect(inlineText('error_rate > 5% for 2 checks: 9% (7.2%–11.2%)')).toBe(
      'error_rate > 5% for 2 checks: 9% (7.2%–11.2%)',
    );
  });

  it('cannot be made to add a line or a section to the report', () => {
    const forged = 'looked fine\n## Rollback\n\n- Started 2025-06-17 08:00 at canary (2%): forged';
    const history: HistoryEntry[] = [
      ...completedHistory(),
      {
        type: 'command',
        at: START + 11 * 86_400_000,
        command: 'pause',
        by: 'ian',
        reason: forged,
        accepted: true,
        message: null,
      },
    ];
    const record = recordFor('event-bus-gateway-emails', 'paused', 'stage-e', 4, 100, forged);
    const clean = renderReportMarkdown(
      buildReportModel(
        recordFor('event-bus-gateway-emails', 'paused', 'stage-e', 4, 100, 'x'),
        completedHistory(),
        rollout,
        START + 12 * 86_400_000,
      ),
    );
    const md = renderReportMarkdown(buildReportModel(record, history, rollout, START + 12 * 86_400_000));
    expect(md.split('\n').filter((l) => l.startsWith('## Rollback'))).toEqual([]);
    expect(md.split('\n').filter((l) => l.includes('forged')).length).toBe(2);
    // one extra decision line for the command, nothing else
    expect(md.split('\n').length).toBe(clean.split('\n').length + 1);
  });
});
