import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { defaultZeroInner } from '../providers/metrics/default-zero.js';
import { z } from 'zod';
import { evaluateRows, eventsKey, evaluateSeries, type SeriesSpec } from './scenario.js';

/*
 * A small Datadog-compatible HTTP server for the demo and end-to-end tests.
 * It answers, with payloads shaped like Datadog's:
 *   POST /api/v2/query/scalar            (scalar formulas over metric queries)
 *   POST /api/v2/logs/analytics/aggregate (count / cardinality of logs; a count grouped by
 *                                          one facet, from a `{ groups }` series: top error messages)
 *   POST /api/v2/rum/analytics/aggregate  (count / cardinality of RUM events)
 *   GET  /api/v1/validate                 (API key check)
 *
 * Usage:
 *   const dd = await startDatadogSandbox({ series: {
 *     'sum:ebg.email.sent{env:prod}.as_count()':   { perSecond: 2 },
 *     'sum:ebg.email.failed{env:prod}.as_count()': { perSecond: 0.05 },
 *     [eventsKey('rum', '@type:view', 'cardinality', '@usr.id')]: { perSecond: 0.5 },
 *   } });
 *   // config: metrics: { datadog: { type: datadog, baseUrl: dd.url } }; any DD_API_KEY / DD_APP_KEY
 *   dd.setSeries('sum:ebg.email.failed{env:prod}.as_count()', { perSecond: 1 });   // a breach, from now on
 *   dd.setSeries('sum:ebg.email.failed{env:prod}.as_count()', null);               // no data
 *   dd.setSeries(eventsKey('logs', 'status:error'), { groups: { 'SMTP timeout': { perSecond: 1 } } });
 *                                                    // group_by [{ facet }] answers one bucket per group
 *   dd.injectFault({ status: 503, times: 3 });                                     // the next 3 requests fail
 *   dd.injectFault({ status: 429, until: Date.now() + 5000, resetSeconds: 5 });    // throttled for 5 s
 *   dd.injectFault({ delayMs: 2000, times: 1 });                                   // one slow answer
 *   dd.requestCount; dd.requestCountFor('scalar'); dd.requests;                    // what was asked
 *   await dd.close();
 *
 * Series (see scenario.ts) are keyed by the query string exactly as written in
 * the rollout file; logs/RUM searches by `eventsKey(source, search, aggregation?,
 * facet?)`. A query with no series is no data (`values: []`, `buckets: []`).
 * The window sum is computed from the request's from/to, so a series that is a
 * function of time plays out in real time. Requests without DD-API-KEY and
 * DD-APPLICATION-KEY get 401; with `keys` set, other keys get 403. Every answer
 * carries X-RateLimit-* headers for its endpoint; with `rateLimit` set, the
 * budget is enforced (429 until the period resets).
 */

export type SandboxEndpoint = 'scalar' | 'logs' | 'rum' | 'validate';

const RATE_LIMIT_NAMES: Record<SandboxEndpoint, string> = {
  scalar: 'metrics_query',
  logs: 'logs_aggregate',
  rum: 'rum_aggregate',
  validate: 'validate',
};

export interface DatadogSandboxOptions {
  readonly host?: string;
  /** 0 (default) picks a free port */
  readonly port?: number;
  readonly series?: Readonly<Record<string, SeriesSpec>>;
  /** enforce a budget per endpoint: more than `limit` requests in a `periodSeconds` window get 429 */
  readonly rateLimit?: { readonly limit: number; readonly periodSeconds: number };
  /** when set, requests with other keys get 403 (missing keys always get 401) */
  readonly keys?: { readonly apiKey: string; readonly appKey: string };
  /** the sandbox clock (faults' `until`, rate-limit periods, `now` in logs/RUM date math) */
  readonly now?: () => number;
  /** how many recent requests `requests` keeps (default 200) */
  readonly keepRequests?: number;
}

export interface SandboxFault {
  /** the status to answer with; omitted: answer normally (after `delayMs`) */
  readonly status?: number;
  /** only for the next `times` matching requests; otherwise until cleared or `until` */
  readonly times?: number;
  /** epoch ms on the sandbox clock */
  readonly until?: number;
  /** only for this endpoint; default every endpoint */
  readonly endpoint?: SandboxEndpoint;
  /** Datadog's `errors` texts in the body */
  readonly errors?: readonly string[];
  /** X-RateLimit-Reset to send with a 429 (default: the rest of the period) */
  readonly resetSeconds?: number;
  /** wait this long before answering (for timeouts) */
  readonly delayMs?: number;
}

export interface SandboxRequest {
  readonly endpoint: SandboxEndpoint | 'unknown';
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
  readonly at: number;
}

export interface DatadogSandbox {
  readonly url: string;
  readonly port: number;
  /** every request received, rejected ones included */
  readonly requestCount: number;
  requestCountFor(endpoint: SandboxEndpoint): number;
  /** the most recent requests (bodies parsed), oldest first */
  readonly requests: readonly SandboxRequest[];
  setSeries(key: string, spec: SeriesSpec): void;
  deleteSeries(key: string): void;
  injectFault(fault: SandboxFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

const scalarBody = z.object({
  data: z.object({
    type: z.literal('scalar_request'),
    attributes: z.object({
      from: z.number().int(),
      to: z.number().int(),
      queries: z
        .array(
          z.object({
            name: z.string().min(1),
            data_source: z.literal('metrics'),
            query: z.string().min(1),
            aggregator: z.string().default('avg'),
          }),
        )
        .min(1),
      formulas: z.array(z.object({ formula: z.string().min(1) })).optional(),
    }),
  }),
});

const aggregateBody = z.object({
  compute: z
    .array(
      z.object({
        aggregation: z.enum(['count', 'cardinality']),
        metric: z.string().optional(),
        type: z.string().optional(),
      }),
    )
    .min(1)
    .max(1),
  filter: z.object({
    query: z.string().default('*'),
    from: z.string().default('now-15m'),
    to: z.string().default('now'),
  }),
  group_by: z
    .array(
      z.object({
        facet: z.string().min(1),
        limit: z.int().positive().default(10),
        sort: z
          .object({
            aggregation: z.string().optional(),
            order: z.enum(['asc', 'desc']).default('desc'),
            type: z.enum(['alphabetical', 'measure']).default('alphabetical'),
          })
          .optional(),
      }),
    )
    .max(1, 'the sandbox groups by one facet')
    .optional(),
});

type GroupBy = NonNullable<z.output<typeof aggregateBody>['group_by']>[number];

/** One bucket per group of a `{ groups }` series, ordered and cut like Datadog's group-by. */
function groupedBuckets(
  spec: SeriesSpec | null,
  groupBy: GroupBy,
  from: number,
  to: number,
): Array<{ by: Record<string, string>; computes: { c0: number } }> {
  if (spec === null || !('groups' in spec)) return [];
  const rows = Object.entries(spec.groups).flatMap(([value, s]) => {
    const count = evaluateSeries(s, from, to, 'sum');
    return count === null || Math.round(count) === 0 ? [] : [{ value, count: Math.round(count) }];
  });
  const order = groupBy.sort?.order === 'asc' ? 1 : -1;
  rows.sort((a, b) =>
    groupBy.sort?.type === 'measure'
      ? order * (a.count - b.count) || a.value.localeCompare(b.value)
      : order * a.value.localeCompare(b.value),
  );
  return rows
    .slice(0, groupBy.limit)
    .map((r) => ({ by: { [groupBy.facet]: r.value }, computes: { c0: r.count } }));
}

/** An answer; thrown to end request handling early (auth, faults, budget, bad bodies). */
class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

function errorsBody(...errors: string[]): { errors: string[] } {
  return { errors };
}

/** Datadog date math, the subset the aggregate endpoints see: ms timestamps, ISO dates, `now`, `now-15m`. */
function parseTime(text: string, now: number): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const math = /^now(?:-(\d+)([smhd]))?$/.exec(text);
  if (math) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[math[2] as 's' | 'm' | 'h' | 'd'] ?? 0;
    return now - Number(math[1] ?? 0) * unit;
  }
  const iso = Date.parse(text);
  return Number.isNaN(iso) ? undefined : iso;
}

function groupColumnName(query: string): string {
  const by = /\bby\s*\{([^}]*)\}/.exec(query);
  return by?.[1]?.trim() || 'group';
}

export async function startDatadogSandbox(opts: DatadogSandboxOptions = {}): Promise<DatadogSandbox> {
  const now = opts.now ?? Date.now;
  const series = new Map<string, SeriesSpec>(Object.entries(opts.series ?? {}));
  const faults: Array<SandboxFault & { left: number }> = [];
  const counts = new Map<SandboxEndpoint, number>();
  const recent: SandboxRequest[] = [];
  const keep = opts.keepRequests ?? 200;
  const budgets = new Map<SandboxEndpoint, { windowStart: number; used: number }>();
  let total = 0;
  let requestIds = 0;

  const period = opts.rateLimit?.periodSeconds ?? 60;
  const limit = opts.rateLimit?.limit ?? 100_000;

  /** Consumes one request of the endpoint's budget; the X-RateLimit-* headers of the answer. */
  function meter(endpoint: SandboxEndpoint): { headers: Record<string, string>; exhausted: boolean } {
    const t = now();
    const windowStart = Math.floor(t / (period * 1000)) * period * 1000;
    let budget = budgets.get(endpoint);
    if (!budget || budget.windowStart !== windowStart) {
      budget = { windowStart, used: 0 };
      budgets.set(endpoint, budget);
    }
    budget.used += 1;
    const exhausted = opts.rateLimit !== undefined && budget.used > limit;
    const reset = Math.max(1, Math.ceil((windowStart + period * 1000 - t) / 1000));
    return {
      exhausted,
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-period': String(period),
        'x-ratelimit-remaining': String(Math.max(0, limit - budget.used)),
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-name': RATE_LIMIT_NAMES[endpoint],
      },
    };
  }

  function activeFault(endpoint: SandboxEndpoint): SandboxFault | undefined {
    const t = now();
    for (let i = 0; i < faults.length; i++) {
      const f = faults[i] as SandboxFault & { left: number };
      if (f.until !== undefined && t >= f.until) {
        faults.splice(i--, 1);
        continue;
      }
      if (f.endpoint !== undefined && f.endpoint !== endpoint) continue;
      f.left -= 1;
      if (f.left <= 0) faults.splice(i, 1);
      return f;
    }
    return undefined;
  }

  function checkKeys(req: IncomingMessage, endpoint: SandboxEndpoint): HttpAnswer | undefined {
    const apiKey = req.headers['dd-api-key'];
    const appKey = req.headers['dd-application-key'];
    if (typeof apiKey !== 'string' || apiKey === '') return new HttpAnswer(401, errorsBody('Unauthorized'));
    if (endpoint !== 'validate' && (typeof appKey !== 'string' || appKey === '')) {
      return new HttpAnswer(401, errorsBody('Unauthorized'));
    }
    if (opts.keys) {
      if (apiKey !== opts.keys.apiKey) return new HttpAnswer(403, errorsBody('Forbidden'));
      if (endpoint !== 'validate' && appKey !== opts.keys.appKey)
        return new HttpAnswer(403, errorsBody('Forbidden'));
    }
    return undefined;
  }

  function answerScalar(body: unknown): HttpAnswer {
    const parsed = scalarBody.safeParse(body);
    if (!parsed.success)
      return new HttpAnswer(400, errorsBody(`invalid scalar request: ${z.prettifyError(parsed.error)}`));
    const { from, to, queries, formulas } = parsed.data.data.attributes;
    if (to <= from) return new HttpAnswer(400, errorsBody("'from' must be before 'to'"));
    const byName = new Map(queries.map((q) => [q.name, q]));
    // the sandbox evaluates formulas that name one query (what stagegate sends); others are refused loudly
    const outputs = formulas ? formulas.map((f) => f.formula.trim()) : queries.map((q) => q.name);
    const unknown = outputs.find((name) => !byName.has(name));
    if (unknown !== undefined) {
      return new HttpAnswer(
        400,
        errorsBody(`the sandbox only evaluates formulas naming one query, got "${unknown}"`),
      );
    }
    const evaluated = outputs.map((name) => {
      const q = byName.get(name) as (typeof queries)[number];
      // default_zero(q): the series of q, with no data read as 0 (as Datadog does)
      const inner = defaultZeroInner(q.query);
      const spec = series.get(q.query) ?? (inner === undefined ? undefined : series.get(inner));
      const rows = evaluateRows(spec, from, to, q.aggregator);
      if (inner !== undefined && rows.kind === 'single' && rows.value === null) {
        return { name, query: q.query, rows: { kind: 'single' as const, value: 0 } };
      }
      return { name, query: q.query, rows };
    });
    const grouped = evaluated.filter((e) => e.rows.kind === 'grouped');
    const columns: unknown[] = [];
    if (grouped.length === 0) {
      for (const e of evaluated) {
        const value = e.rows.kind === 'single' ? e.rows.value : null;
        columns.push({
          name: e.name,
          type: 'number',
          values: value === null ? [] : [value],
          meta: { unit: null },
        });
      }
    } else {
      const groups = [
        ...new Set(grouped.flatMap((e) => (e.rows.kind === 'grouped' ? [...e.rows.rows.keys()] : []))),
      ];
      const first = grouped[0] as (typeof grouped)[number];
      columns.push({
        name: groupColumnName(first.query),
        type: 'group',
        values: groups.map((g) => g.split(',')),
      });
      for (const e of evaluated) {
        // an ungrouped query next to grouped ones answers on the first row, so sums over rows stay right
        const values = groups.map((g, i) =>
          e.rows.kind === 'grouped' ? (e.rows.rows.get(g) ?? null) : i === 0 ? e.rows.value : null,
        );
        columns.push({ name: e.name, type: 'number', values, meta: { unit: null } });
      }
    }
    return new HttpAnswer(200, { data: { type: 'scalar_response', attributes: { columns } } });
  }

  function answerAggregate(source: 'logs' | 'rum', body: unknown): HttpAnswer {
    const parsed = aggregateBody.safeParse(body);
    if (!parsed.success)
      return new HttpAnswer(400, errorsBody(`invalid aggregate request: ${z.prettifyError(parsed.error)}`));
    const { compute, filter, group_by: groupBy } = parsed.data;
    const c = compute[0] as (typeof compute)[number];
    const from = parseTime(filter.from, now());
    const to = parseTime(filter.to, now());
    if (from === undefined || to === undefined) return new HttpAnswer(400, errorsBody('invalid from/to'));
    if (c.aggregation === 'cardinality' && !c.metric)
      return new HttpAnswer(400, errorsBody('cardinality needs a metric'));
    const specific = eventsKey(source, filter.query, c.aggregation, c.metric);
    const spec = series.get(specific) ?? series.get(eventsKey(source, filter.query)) ?? null;
    requestIds += 1;
    const meta = { elapsed: 1, request_id: `sandbox-${requestIds}`, status: 'done' };
    const group = groupBy?.[0];
    if (group) {
      if (c.aggregation !== 'count')
        return new HttpAnswer(400, errorsBody('the sandbox groups count computes only'));
      return new HttpAnswer(200, { data: { buckets: groupedBuckets(spec, group, from, to) }, meta });
    }
    const value = evaluateSeries(spec, from, to, 'sum');
    return new HttpAnswer(200, {
      data: { buckets: value === null ? [] : [{ by: {}, computes: { c0: Math.round(value) } }] },
      meta,
    });
  }

  function route(method: string, path: string): SandboxEndpoint | undefined {
    if (method === 'POST' && path === '/api/v2/query/scalar') return 'scalar';
    if (method === 'POST' && path === '/api/v2/logs/analytics/aggregate') return 'logs';
    if (method === 'POST' && path === '/api/v2/rum/analytics/aggregate') return 'rum';
    if (method === 'GET' && path === '/api/v1/validate') return 'validate';
    return undefined;
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new HttpAnswer(413, errorsBody('Payload too large'));
      chunks.push(chunk as Buffer);
    }
    if (size === 0) return undefined;
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new HttpAnswer(400, errorsBody('Invalid JSON'));
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    total += 1;
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const endpoint = route(method, path);
    let body: unknown;
    let answer: HttpAnswer;
    let headers: Record<string, string> = {};
    try {
      body = await readBody(req);
      if (!endpoint) throw new HttpAnswer(404, errorsBody('Not found'));
      counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
      const denied = checkKeys(req, endpoint);
      if (denied) throw denied;
      const metered = meter(endpoint);
      headers = metered.headers;
      const fault = activeFault(endpoint);
      if (fault?.delayMs) await delay(fault.delayMs);
      if (fault?.status !== undefined) {
        if (fault.status === 429 && fault.resetSeconds !== undefined) {
          headers = {
            ...headers,
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(fault.resetSeconds),
          };
        }
        const texts = fault.errors ?? [fault.status === 429 ? 'Too many requests' : 'Internal Server Error'];
        throw new HttpAnswer(fault.status, errorsBody(...texts));
      }
      if (metered.exhausted) throw new HttpAnswer(429, errorsBody('Too many requests'));
      if (endpoint === 'scalar') answer = answerScalar(body);
      else if (endpoint === 'validate') answer = new HttpAnswer(200, { valid: true });
      else answer = answerAggregate(endpoint, body);
    } catch (err) {
      answer = err instanceof HttpAnswer ? err : new HttpAnswer(500, errorsBody('Internal Server Error'));
    }
    recent.push({ endpoint: endpoint ?? 'unknown', method, path, body, status: answer.status, at: now() });
    if (recent.length > keep) recent.splice(0, recent.length - keep);
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    get requestCount() {
      return total;
    },
    requestCountFor: (endpoint) => counts.get(endpoint) ?? 0,
    get requests() {
      return recent;
    },
    setSeries: (key, spec) => {
      series.set(key, spec);
    },
    deleteSeries: (key) => {
      series.delete(key);
    },
    injectFault: (fault) => {
      faults.push({ ...fault, left: fault.times ?? Infinity });
    },
    clearFaults: () => {
      faults.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
