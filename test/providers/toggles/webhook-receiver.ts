import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  isFresh,
  verifySignature,
} from '../../../src/providers/toggles/webhook-signature.js';
import type { ManualToggleChange } from './contract.js';

/*
 * A tiny webhook toggle receiver, as a team would write one for a toggle that
 * is not in Flipper: verifies the signature, applies the absolute value with
 * Flipper-like semantics, and serves `GET /state?feature=`.
 */

export interface ReceiverOptions {
  readonly secret?: string;
  /** what a POST answers: the full state, the minimal {percent, enabled}, or 204 */
  readonly echo?: 'full' | 'minimal' | 'none';
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

interface Toggle {
  enabled: boolean;
  percentageOfActors: number;
  percentageOfTime: number;
  actors: string[];
  groups: string[];
}

export interface Receiver {
  readonly url: string;
  readonly stateUrl: string;
  readonly requests: ReceivedRequest[];
  setManually(feature: string, change: ManualToggleChange): void;
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

function cleared(): Toggle {
  return { enabled: false, percentageOfActors: 0, percentageOfTime: 0, actors: [], groups: [] };
}

export async function startReceiver(opts: ReceiverOptions = {}): Promise<Receiver> {
  const toggles = new Map<string, Toggle>();
  const requests: ReceivedRequest[] = [];
  const failures: number[] = [];

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers, body });
    const failure = failures.shift();
    if (failure !== undefined) return send(res, failure, { message: 'receiver: injected failure' });

    const url = new URL(req.url ?? '/', 'http://receiver');
    if (req.method === 'GET' && url.pathname === '/state') {
      const toggle = toggles.get(url.searchParams.get('feature') ?? '');
      return toggle === undefined ? send(res, 404, { message: 'unknown toggle' }) : send(res, 200, toggle);
    }
    // A URL that answers 200 JSON that is not a toggle state: a misconfigured stateUrl.
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true });
    if (req.method !== 'POST' || url.pathname !== '/toggle')
      return send(res, 404, { message: 'no such route' });
    if (headers['content-type'] !== 'application/json') return send(res, 415, { message: 'JSON only' });
    if (opts.secret !== undefined) {
      if (!verifySignature(opts.secret, body, headers[SIGNATURE_HEADER]))
        return send(res, 401, { message: 'bad signature' });
      const change = JSON.parse(body) as { timestamp: number };
      if (!isFresh(change.timestamp, Date.now()) || headers[TIMESTAMP_HEADER] !== String(change.timestamp)) {
        return send(res, 401, { message: 'stale request' });
      }
    }
    const change = JSON.parse(body) as {
      feature: string;
      action: string;
      percent: number;
      gate?: string;
      mode?: string;
    };
    const toggle = toggles.get(change.feature) ?? cleared();
    let next: Toggle;
    if (change.action === 'set' && change.gate === 'percentage_of_time')
      next = { ...toggle, percentageOfTime: change.percent };
    else if (change.action === 'set') next = { ...toggle, percentageOfActors: change.percent };
    else if (change.action === 'disable' && change.mode === 'zero')
      next = { ...toggle, percentageOfActors: 0, percentageOfTime: 0 };
    else if (change.action === 'disable') next = cleared();
    else if (change.action === 'enable') next = { ...cleared(), enabled: true };
    else return send(res, 422, { message: `unknown action ${change.action}` });
    toggles.set(change.feature, next);
    if (opts.echo === 'full') return send(res, 200, next);
    if (opts.echo === 'minimal')
      return send(res, 200, { percent: next.percentageOfActors, enabled: next.enabled });
    return send(res, 204);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${String(port)}`;

  return {
    url: `${base}/toggle`,
    stateUrl: `${base}/state`,
    requests,
    setManually: (feature, change) => {
      const toggle = toggles.get(feature) ?? cleared();
      toggles.set(feature, {
        ...toggle,
        ...change,
        actors: [...(change.actors ?? toggle.actors)],
        groups: [...(change.groups ?? toggle.groups)],
      });
    },
    failNext: (status, times = 1) => {
      for (let i = 0; i < times; i += 1) failures.push(status);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
