import { Writable } from 'node:stream';

/*
 * `run --pretty`: pino's JSON lines as one readable line each, for a
 * terminal. A check is one line — rollout, stage, percent, decision, each
 * metric's value with its verdicts, why — instead of pino-pretty's nested
 * fields (about 40 lines a check). Lines that are not JSON pass through.
 */

const LEVELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v', 'component']);

interface MetricField {
  readonly value?: number | null;
  readonly counts?: string;
  readonly missing?: string;
  readonly vs?: readonly string[];
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

function metricText(name: string, m: MetricField): string {
  const value = m.missing ?? (m.value === null || m.value === undefined ? 'none' : String(m.value));
  const counts = m.counts ? ` (${m.counts})` : '';
  const verdicts = (m.vs ?? []).map((v) => v.split(' → ').at(-1)).join(',');
  return `${name}=${value}${counts}${verdicts ? ` [${verdicts}]` : ''}`;
}

function checkText(o: Record<string, unknown>): string {
  const metrics = Object.entries((o.metrics ?? {}) as Record<string, MetricField>).map(([k, m]) =>
    metricText(k, m),
  );
  const head = `${scalar(o.rollout ?? '-')} ${scalar(o.stage ?? '-')} ${scalar(o.percent ?? '?')}% ${scalar(o.state ?? '')} → ${scalar(o.decision ?? 'none')}`;
  const why = typeof o.reason === 'string' && o.reason ? ` — ${o.reason}` : '';
  return `${head} ${metrics.join(' ')}${why}${typeof o.ms === 'number' ? ` (${o.ms} ms)` : ''}`;
}

/** One pino line (JSON text) → one human line (no trailing newline). */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  if (typeof o !== 'object' || o === null) return json;
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
  const level = LEVELS[o.level as number] ?? 'INFO ';
  const msg = typeof o.msg === 'string' ? o.msg : '';
  if (msg === 'check') return `${time} ${level} check ${checkText(o)}`;
  const fields = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${scalar(v)}`);
  return `${time} ${level} ${msg}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}`;
}

/** A destination for pino that writes pretty lines to `out`. */
export function prettyLogStream(out: NodeJS.WritableStream): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line) out.write(`${prettyLine(line)}\n`);
      done();
    },
    final(done) {
      if (pending) out.write(`${prettyLine(pending)}\n`);
      done();
    },
  });
}
