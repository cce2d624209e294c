import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { answerAggregate } from './datadog-aggregate.js';
import { HttpAnswer, errorsBody, readBody } from './datadog-answer.js';
import { FaultQueue, type SandboxFault } from './datadog-faults.js';
import { rateLimitMeter, type RateLimitBudget, type SandboxEndpoint } from './datadog-rate-limit.js';
import { answerScalar } from './datadog-scalar.js';
import type { SeriesSpec } from './scenario.js';

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

export interface DatadogSandboxOptions {
  readonly host?: string;
  /** 0 (default) picks a free port */
  readonly port?: number;
  readonly series?: Readonly<Record<string, SeriesSpec>>;
  /** enforce a budget per endpoint: more than `limit` requests in a `periodSeconds` window get 429 */
  readonly rateLimit?: RateLimitBudget;
  /** when set, requests with other keys get 403 (missing keys always get 401) */
  readonly keys?: { readonly apiKey: string; readonly appKey: string };
  /** the sandbox clock (faults' `until`, rate-limit periods, `now` in logs/RUM date math) */
  readonly now?: () => number;
  /** how many recent requests `requests` keeps (default 200) */
  readonly keepRequests?: number;
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

export async function startDatadogSandbox(opts: DatadogSandboxOptions = {}): Promise<DatadogSandbox> {
  const now = opts.now ?? Date.now;
  const series = new Map<string, SeriesSpec>(Object.entries(opts.series ?? {}));
  const faults = new FaultQueue(now);
  const meter = rateLimitMeter(opts.rateLimit, now);
  const counts = new Map<SandboxEndpoint, number>();
  const recent: SandboxRequest[] = [];
  const keep = opts.keepRequests ?? 200;
  let total = 0;
  let requestIds = 0;

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

  function route(method: string, path: string): SandboxEndpoint | undefined {
    if (method === 'POST' && path === '/api/v2/query/scalar') return 'scalar';
    if (method === 'POST' && path === '/api/v2/logs/analytics/aggregate') return 'logs';
    if (method === 'POST' && path === '/api/v2/rum/analytics/aggregate') return 'rum';
    if (method === 'GET' && path === '/api/v1/validate') return 'validate';
    return undefined;
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
      const fault = faults.take(endpoint);
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
      if (endpoint === 'scalar') answer = answerScalar(body, series);
      else if (endpoint === 'validate') answer = new HttpAnswer(200, { valid: true });
      else answer = answerAggregate(endpoint, body, series, now(), ++requestIds);
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
      faults.inject(fault);
    },
    clearFaults: () => {
      faults.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
