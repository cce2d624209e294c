import type { AdvanceWindow, Weekday } from '../rollout/types.js';

/*
 * Wall-clock time in the rollout's time zone, from an instant. Intl does the
 * zone and DST arithmetic, so "09:00-17:00 America/New_York" means 09:00 local
 * on both sides of a DST change without any offset bookkeeping here.
 */

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONDAY_FIRST: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const SHORT_TO_DAY: Readonly<Record<string, Weekday>> = {
  Sun: 'sun',
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
};

export interface LocalClock {
  readonly weekday: Weekday;
  /** minutes after local midnight */
  readonly minuteOfDay: number;
  /** `2025-06-17 09:05` */
  readonly text: string;
}

const byOptions = new WeakMap<Intl.DateTimeFormatOptions, Map<string, Intl.DateTimeFormat>>();

/**
 * Intl formatters are costly to build and checks run every few minutes for
 * every rollout: one per option set (a module constant) and zone, kept.
 */
export function zoneFormatter(options: Intl.DateTimeFormatOptions, timeZone: string): Intl.DateTimeFormat {
  let zones = byOptions.get(options);
  if (!zones) byOptions.set(options, (zones = new Map()));
  let f = zones.get(timeZone);
  if (!f) zones.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { ...options, timeZone })));
  return f;
}

const CLOCK_PARTS: Intl.DateTimeFormatOptions = {
  hourCycle: 'h23',
  weekday: 'short',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
};

export function localClock(epochMs: number, timeZone: string): LocalClock {
  const parts: Record<string, string> = {};
  for (const p of zoneFormatter(CLOCK_PARTS, timeZone).formatToParts(new Date(epochMs)))
    parts[p.type] = p.value;
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const weekday = SHORT_TO_DAY[parts.weekday ?? ''];
  if (weekday === undefined || Number.isNaN(hour) || Number.isNaN(minute)) {
    throw new RangeError(`cannot read local time in ${timeZone}`);
  }
  return {
    weekday,
    minuteOfDay: hour * 60 + minute,
    text: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`,
  };
}

function previousDay(d: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(d) + 6) % 7] ?? d;
}

/**
 * Whether `epochMs` falls inside the advance window. Hours are [start, end) on
 * the listed days; a window whose end is not after its start runs past
 * midnight (`22:00-06:00`), belonging to the day it starts on.
 */
export function insideAdvanceWindow(window: AdvanceWindow, epochMs: number, timeZone: string): boolean {
  const { weekday, minuteOfDay } = localClock(epochMs, timeZone);
  if (window.startMinute < window.endMinute) {
    return (
      window.days.includes(weekday) && minuteOfDay >= window.startMinute && minuteOfDay < window.endMinute
    );
  }
  return (
    (window.days.includes(weekday) && minuteOfDay >= window.startMinute) ||
    (window.days.includes(previousDay(weekday)) && minuteOfDay < window.endMinute)
  );
}

function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** `mon–fri 09:00–17:00` style description for reasons. */
export function describeAdvanceWindow(window: AdvanceWindow): string {
  const days = MONDAY_FIRST.filter((d) => window.days.includes(d));
  return `${days.join(',')} ${hhmm(window.startMinute)}-${hhmm(window.endMinute)}`;
}
