import { validateDetailed } from 'node-cron';
import { didYouMean } from './suggest.js';

/*
 * Rules about a single value that a JSON Schema cannot express. Each returns
 * the problem as a message, or undefined when the value is fine; the schema
 * attaches them as refinements so they are reported with the value's position.
 */

/** node-cron accepts 5 fields (minute first) or 6 (second first). */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `must have 5 fields (minute hour day month weekday) or 6 (with seconds first), got ${fields.length}`;
  }
  const result = validateDetailed(expr);
  if (result.valid) return undefined;
  const first = result.errors[0];
  if (first === undefined) return 'is not a valid cron expression';
  const field = first.field.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `"${first.value}" is not valid in the ${field} field`;
}

let zones: readonly string[] | undefined;

function timeZones(): readonly string[] {
  zones ??= Intl.supportedValuesOf('timeZone');
  return zones;
}

/**
 * Zones already judged. Building an Intl.DateTimeFormat costs ~0.2 ms of ICU
 * work, and 1,000 rollout files name the same few zones (issue 6 benchmark).
 */
const knownZones = new Map<string, string | undefined>();

/** An IANA zone name Intl knows (the controller evaluates advance windows in it). */
export function timezoneProblem(tz: string): string | undefined {
  if (knownZones.has(tz)) return knownZones.get(tz);
  let problem: string | undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    problem = `unknown time zone "${tz}"${didYouMean(tz, timeZones())}`;
  }
  knownZones.set(tz, problem);
  return problem;
}

/** `HH:MM-HH:MM` → minutes after local midnight; the pattern is checked by the schema first. */
export function parseHours(hours: string): { startMinute: number; endMinute: number } | undefined {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(hours);
  if (!m) return undefined;
  const [, h1, m1, h2, m2] = m;
  return { startMinute: Number(h1) * 60 + Number(m1), endMinute: Number(h2) * 60 + Number(m2) };
}

export function hoursProblem(hours: string): string | undefined {
  const parsed = parseHours(hours);
  if (parsed === undefined) return undefined;
  if (parsed.endMinute > 1440) return 'the end can be at most 24:00';
  if (parsed.startMinute >= parsed.endMinute) {
    return 'the start must be before the end (a window across midnight is not supported: split the days instead)';
  }
  return undefined;
}

/** Flipper stores percentages with 3 decimals; more would be silently rounded. */
export function percentDecimalsProblem(percent: number): string | undefined {
  const scaled = percent * 1000;
  return Math.abs(scaled - Math.round(scaled)) > 1e-6 ? 'must have at most 3 decimals' : undefined;
}

const LOCAL_DATETIME = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?$/;

/** The message for a `start` that is none of immediately | manual | timestamp with offset. */
export function startProblem(input: unknown): string {
  if (typeof input === 'string' && LOCAL_DATETIME.test(input)) {
    return `the timestamp needs a UTC offset, e.g. ${input.replace(' ', 'T')}-04:00 or ${input.replace(' ', 'T')}Z`;
  }
  return 'must be immediately, manual or an ISO 8601 timestamp with offset, e.g. 2025-06-17T08:00:00-04:00';
}
