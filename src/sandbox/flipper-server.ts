import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

/*
 * A local stand-in for flipper-api (lib/flipper/api in flippercloud/flipper)
 * for the demo and tests: the same routes, payloads, status codes and sharp
 * edges, over real HTTP on 127.0.0.1.
 *
 * - Parameters come from the query string, an `application/json` body (that
 *   exact Content-Type only, like Flipper::Api::JsonParams) or a form body. With
 *   `application/json; charset=utf-8` the body is ignored, so a percentage POST
 *   answers 422 `{"code":3,...}`.
 * - GET of an unknown feature answers 404 `{"code":1,...}`; gate writes create it.
 * - The boolean gate, POST or DELETE, clears every other gate.
 * - Values are stored the way Flipper's adapters store them: "25", "2.5", "true".
 * Not modelled: expression gates, the import route, group registration (any
 * group name is accepted, as with `allow_unregistered_groups=true`).
 */

export interface FlipperSandboxOptions {
  /** when set, every request must carry it (Authorization: Bearer, or `tokenHeader`) or gets 401 */
  readonly token?: string;
  /** e.g. `flipper-cloud-token`: the header that carries the raw token */
  readonly tokenHeader?: string;
  /** path the API is mounted at; default /flipper/api */
  readonly prefix?: string;
  readonly host?: string;
  /** default 0: a free port */
  readonly port?: number;
}

export interface RecordedRequest {
  readonly method: string;
  /** path and query, as received */
  readonly path: string;
  /** lower-case names */
  readonly headers: Readonly<Record<string, string>>;
  /** the raw body, '' when there was none */
  readonly body: string;
}

/** A change "by hand", as a person in the Flipper UI would make it. */
export interface ManualFeatureChange {
  readonly enabled?: boolean;
  readonly percentageOfActors?: number;
  readonly percentageOfTime?: number;
  readonly actors?: readonly string[];
  readonly groups?: readonly string[];
}

export interface FlipperGateJson {
  readonly key: string;
  readonly name: string;
  readonly value: string | string[] | null;
}

export interface FlipperFeatureJson {
  readonly key: string;
  readonly state: 'on' | 'off' | 'conditional';
  readonly gates: FlipperGateJson[];
}

export interface FlipperSandbox {
  /** the base to put in config: `baseUrl: <url>` */
  readonly url: string;
  readonly port: number;
  /** every request received, in order, including refused ones */
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  /** the document GET /features/{name} would answer, or undefined when it does not exist */
  feature(name: string): FlipperFeatureJson | undefined;
  /** changes a feature behind the controller's back (drift); creates it when needed */
  setFeature(name: string, change: ManualFeatureChange): void;
  removeFeature(name: string): void;
  /** the next `times` requests answer `status` (e.g. 503) without touching state */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

/** What a Flipper adapter stores per feature (Flipper::Adapter.default_config). */
interface GateValues {
  boolean: string | null;
  actors: Set<string>;
  groups: Set<string>;
  percentage_of_actors: string | null;
  percentage_of_time: string | null;
}

/** lib/flipper/api/error_response.rb */
const ERRORS = {
  featureNotFound: { status: 404, code: 1, message: 'Feature not found.' },
  percentageInvalid: {
    status: 422,
    code: 3,
    message: 'Percentage must be a positive number less than or equal to 100.',
  },
  flipperIdInvalid: { status: 422, code: 4, message: 'Required parameter flipper_id is missing.' },
  nameInvalid: { status: 422, code: 5, message: 'Required parameter name is missing.' },
} as const;

const MORE_INFO = 'https://flippercloud.io/docs/api#error-code-reference';

type Params = Record<string, string>;
type GateRoute = 'boolean' | 'percentage_of_actors' | 'percentage_of_time' | 'actors' | 'groups';

export async function startFlipperSandbox(opts: FlipperSandboxOptions = {}): Promise<FlipperSandbox> {
  const prefix = opts.prefix ?? '/flipper/api';
  const features = new Map<string, GateValues>();
  const requests: RecordedRequest[] = [];
  const failures: number[] = [];

  const app = Fastify({ logger: false });
  // Raw bodies for every content type: the handlers decide, as flipper-api does, what counts as parameters.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('preHandler', async (req, reply) => {
    requests.push({
      method: req.method,
      path: req.url,
      headers: flattenHeaders(req.headers),
      body: rawBody(req),
    });
    const failure = failures.shift();
    if (failure !== undefined) return reply.code(failure).send({ message: 'sandbox: injected failure' });
    if (opts.token !== undefined && !authorized(req, opts.token, opts.tokenHeader)) {
      return reply.code(401).send({ message: 'Unauthorized' });
    }
    return undefined;
  });

  const ensure = (name: string): GateValues => {
    let values = features.get(name);
    if (values === undefined) {
      values = emptyValues();
      features.set(name, values);
    }
    return values;
  };

  const gateAction = (
    gate: GateRoute,
    method: 'POST' | 'DELETE',
    name: string,
    params: Params,
    reply: FastifyReply,
  ) => {
    switch (gate) {
      case 'boolean':
        // Adapter#enable/#disable for the boolean gate reset every gate first.
        features.set(name, { ...emptyValues(), boolean: method === 'POST' ? 'true' : null });
        break;
      case 'percentage_of_actors':
      case 'percentage_of_time': {
        if (method === 'DELETE') {
          ensure(name)[gate] = '0';
          break;
        }
        const stored = flipperPercentage(params['percentage']);
        if (stored === undefined) return sendError(reply, ERRORS.percentageInvalid);
        ensure(name)[gate] = stored;
        break;
      }
      case 'actors': {
        const id = params['flipper_id'];
        if (!id) return sendError(reply, ERRORS.flipperIdInvalid);
        if (method === 'POST') ensure(name).actors.add(id);
        else ensure(name).actors.delete(id);
        break;
      }
      case 'groups': {
        const group = params['name'];
        if (!group) return sendError(reply, ERRORS.nameInvalid);
        if (method === 'POST') ensure(name).groups.add(group);
        else ensure(name).groups.delete(group);
        break;
      }
    }
    return reply.code(200).send(document(name, ensure(name)));
  };

  await app.register(
    async (api) => {
      api.get('/features', async () => ({
        features: [...features.entries()].map(([name, values]) => document(name, values)),
      }));
      api.get<{ Params: { name: string } }>('/features/:name', async (req, reply) => {
        const values = features.get(req.params.name);
        if (values === undefined) return sendError(reply, ERRORS.featureNotFound);
        return reply.send(document(req.params.name, values));
      });
      api.delete<{ Params: { name: string } }>('/features/:name', async (req, reply) => {
        features.delete(req.params.name);
        return reply.code(204).send();
      });
      for (const gate of [
        'boolean',
        'percentage_of_actors',
        'percentage_of_time',
        'actors',
        'groups',
      ] as const) {
        for (const method of ['POST', 'DELETE'] as const) {
          api.route<{ Params: { name: string } }>({
            method,
            url: `/features/:name/${gate}`,
            handler: async (req, reply) => {
              let params: Params;
              try {
                params = requestParams(req);
              } catch {
                // flipper-api does not rescue JSON::ParserError: the host app answers 500.
                return reply.code(500).send({ message: 'sandbox: invalid JSON body' });
              }
              return gateAction(gate, method, req.params.name, params, reply);
            },
          });
        }
      }
    },
    { prefix },
  );

  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const address = app.server.address() as AddressInfo;
  const url = `http://${address.address}:${String(address.port)}${prefix}`;

  return {
    url,
    port: address.port,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    feature: (name) => {
      const values = features.get(name);
      return values === undefined ? undefined : document(name, values);
    },
    setFeature: (name, change) => {
      const values = ensure(name);
      if (change.enabled !== undefined) values.boolean = change.enabled ? 'true' : null;
      if (change.percentageOfActors !== undefined)
        values.percentage_of_actors = storedNumber(change.percentageOfActors);
      if (change.percentageOfTime !== undefined)
        values.percentage_of_time = storedNumber(change.percentageOfTime);
      if (change.actors !== undefined) values.actors = new Set(change.actors);
      if (change.groups !== undefined) values.groups = new Set(change.groups);
    },
    removeFeature: (name) => {
      features.delete(name);
    },
    failNext: (status, times = 1) => {
      for (let i = 0; i < times; i += 1) failures.push(status);
    },
    close: () => app.close(),
  };
}

function emptyValues(): GateValues {
  return {
    boolean: null,
    actors: new Set(),
    groups: new Set(),
    percentage_of_actors: null,
    percentage_of_time: null,
  };
}

/** Flipper::Api::V1::Decorators::Feature#as_json: gates in Flipper::Feature#gates order. */
function document(name: string, v: GateValues): FlipperFeatureJson {
  const gates: FlipperGateJson[] = [
    { key: 'boolean', name: 'boolean', value: v.boolean },
    { key: 'expression', name: 'expression', value: null },
    { key: 'actors', name: 'actor', value: [...v.actors] },
    { key: 'percentage_of_actors', name: 'percentage_of_actors', value: v.percentage_of_actors },
    { key: 'percentage_of_time', name: 'percentage_of_time', value: v.percentage_of_time },
    { key: 'groups', name: 'group', value: [...v.groups] },
  ];
  return { key: name, state: featureState(v), gates };
}

/** Flipper::Feature#state */
function featureState(v: GateValues): 'on' | 'off' | 'conditional' {
  if (v.boolean === 'true' || Number(v.percentage_of_time) === 100) return 'on';
  const conditional =
    v.actors.size > 0 ||
    v.groups.size > 0 ||
    Number(v.percentage_of_actors) > 0 ||
    Number(v.percentage_of_time) > 0;
  return conditional ? 'conditional' : 'off';
}

/**
 * PercentageOfActorsGate#percentage: the parameter must contain a digit and
 * convert (Typecast.to_number: "2.5" → 2.5, "25" → 25) to 0..100. Returns the
 * value as the adapter stores it (Ruby's to_s), or undefined for a 422.
 */
function flipperPercentage(param: string | undefined): string | undefined {
  const text = param ?? '';
  if (!/\d/.test(text)) return undefined;
  const isFloat = text.includes('.');
  const parsed = isFloat ? Number.parseFloat(text) : Number.parseInt(text, 10);
  const value = Number.isNaN(parsed) ? 0 : parsed;
  if (value < 0 || value > 100) return undefined;
  return isFloat ? rubyFloat(value) : String(value);
}

function storedNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : rubyFloat(n);
}

/** Ruby's Float#to_s keeps a ".0" on whole numbers: 25.0.to_s == "25.0". */
function rubyFloat(n: number): string {
  return Number.isInteger(n) ? `${String(n)}.0` : String(n);
}

/** Rack params: the query string, merged with the body when it is exactly JSON or a form. */
function requestParams(req: FastifyRequest): Params {
  const params: Params = {};
  const query = new URL(req.url, 'http://sandbox').searchParams;
  for (const [k, v] of query) params[k] = v;
  const contentType = req.headers['content-type'];
  const body = rawBody(req);
  if (contentType === 'application/json' && body !== '') {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      for (const [k, v] of Object.entries(parsed)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params[k] = String(v);
      }
    }
  } else if (contentType?.split(';')[0]?.trim() === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  }
  return params;
}

function rawBody(req: FastifyRequest): string {
  return typeof req.body === 'string' ? req.body : '';
}

function sendError(
  reply: FastifyReply,
  error: { status: number; code: number; message: string },
): FastifyReply {
  return reply.code(error.status).send({ code: error.code, message: error.message, more_info: MORE_INFO });
}

function flattenHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return flat;
}

function authorized(req: FastifyRequest, token: string, tokenHeader: string | undefined): boolean {
  const header = req.headers[(tokenHeader ?? 'authorization').toLowerCase()];
  const given = typeof header === 'string' ? header : '';
  const expected = tokenHeader === undefined ? `Bearer ${token}` : token;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
