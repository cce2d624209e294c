import { zoneFormatter } from '../engine/local-time.js';

/* Formatting for the markdown report: times in the rollout's zone, values as the criteria were written. */

const REPORT_TIME: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'shortOffset',
};

/** `2025-06-17T12:00:00.000Z` in America/New_York → `2025-06-17 08:00 GMT-4` */
export function formatTime(isoTime: string, timeZone: string): string {
  const parts = Object.fromEntries(
    zoneFormatter(REPORT_TIME, timeZone)
      .formatToParts(new Date(isoTime))
      .map((p) => [p.type, p.value]),
  );
  // ICU spells UTC "GMT" or "GMT+0" depending on the version
  const zone = parts.timeZoneName === 'GMT' || parts.timeZoneName === 'GMT+0' ? 'UTC' : parts.timeZoneName;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${zone}`;
}

/** Up to `digits` decimals, without trailing zeros: 0.0312 → "0.031", 12 → "12". */
function trimmed(n: number, digits: number): string {
  return Number(n.toFixed(digits)).toString();
}

export function formatValue(value: number, percent: boolean): string {
  return percent ? `${trimmed(value * 100, 2)}%` : trimmed(value, 3);
}

export function formatCount(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : trimmed(n, 3);
}

// controls and invisible format characters (bidi overrides, zero-width): never printed
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
// inline markup that works mid-line (code, emphasis, links, HTML, table cells): escaped. Block
// markup (#, -, >) only works at a line start, and the text never starts a line here.
const MARKDOWN = /[\\`*[\]<|]/g;
const MAX_INLINE = 500;

/**
 * Operator- and provider-supplied text (`by`, `reason`, a transition's reason)
 * as one line of literal markdown: line breaks and tabs become spaces, other
 * control and format characters are dropped, markdown syntax is escaped, and
 * the text is capped. Without this, a reason with a newline and `## Rollback`
 * forged a section of the release report.
 */
export function inlineText(text: string): string {
  const oneLine = text
    .replace(/[\r\n\t\u2028\u2029]+/g, ' ')
    .replace(INVISIBLE, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  const capped =
    [...oneLine].length > MAX_INLINE ? `${[...oneLine].slice(0, MAX_INLINE).join('')}…` : oneLine;
  return capped.replace(MARKDOWN, (c) => `\\${c}`);
}
