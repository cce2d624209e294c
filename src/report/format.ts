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
