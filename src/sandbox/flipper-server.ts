import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import {
  authorized,
  flattenHeaders,
  parseObject,
  rawBody,
  requestParams,
  sendError,
  sendJson,
  type Params,
} from './flipper-http.js';
import {
  applyManualChange,
  emptyValues,
  ERRORS,
  featureDocument,
  flipperPercentage,
  type FlipperApiError,
  type FlipperFeatureJson,
  type GateValues,
  type ManualFeatureChange,
} from './flipper-model.js';

export type { FlipperFeatureJson, FlipperGateJson, ManualFeatureChange } from './flipper-model.js';

/*
 * A local stand-in for flipper-api (lib/flipper/api in flippercloud/flipper)
 * for the demo and tests: the same routes, payloads, status codes and sharp
 * edges, over real HTTP on 127.0.0.1.
 *
 * - Parameters come from the query string, an `application/json` body (that
 *   exact Content-Type only, like Flipper::Api::JsonParams) or a form body. With
 *   `application/json; charset=utf-8` the body is ignored, so a percentage POST
 *   answers 422 `{"code":3,...}`.
 * - Answers carry `Content-Type: application/json` exactly (Flipper::Api::CONTENT_TYPE,
 *   no charset), gzipped when the request accepts gzip (as the host app's
 *   Rack::Deflater does).
 * - Routes take an optional trailing slash (the action regexes end in `/?\Z`);
 *   an unknown route answers what Flipper::Api.app does: 404 `{}`.
 * - GET of an unknown feature answers 404 `{"code":1,...}`; gate writes create it.
 * - The boolean gate, POST or DELETE, clears every other gate.
 * - Values are stored the way Flipper's adapters store them: "25", "2.5", "true".
 * Not modelled: the import route, expression validation, group registration
 * (any group name is accepted, as with `allow_unregistered_groups=true`).
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
  /**
   * features that exist from the start, all gates off (as `rake features:setup`
   * leaves the features of vets-api's features.yml); any other one reads 404
   */
  readonly features?: readonly string[];
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

type GateRoute = 'boolean' | 'percentage_of_actors' | 'percentage_of_time' | 'actors' | 'groups';
const GATE_ROUTES: readonly GateRoute[] = [
  'boolean',
  'percentage_of_actors',
  'percentage_of_time',
  'actors',
  'groups',
];

export async function startFlipperSandbox(opts: FlipperSandboxOptions = {}): Promise<FlipperSandbox> {
  const prefix = opts.prefix ?? '/flipper/api';
  const features = new Map<string, GateValues>();
  const requests: RecordedRequest[] = [];
  const failures: number[] = [];

  // a trailing slash matches like Flipper's `/?\Z` route regexes
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
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
    if (failure !== undefined) return sendJson(req, reply, failure, { message: 'sandbox: injected failure' });
    if (opts.token !== undefined && !authorized(req, opts.token, opts.tokenHeader)) {
      return sendJson(req, reply, 401, { message: 'Unauthorized' });
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
  for (const name of opts.features ?? []) ensure(name);

  const gateAction = (
    gate: GateRoute,
    method: 'POST' | 'DELETE',
    name: string,
    params: Params,
    req: FastifyRequest,
    reply: FastifyReply,
  ) => {
    const fail = (error: FlipperApiError) => sendError(req, reply, error);
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
        if (stored === undefined) return fail(ERRORS.percentageInvalid);
        ensure(name)[gate] = stored;
        break;
      }
      case 'actors': {
        const id = params['flipper_id'];
        if (!id) return fail(ERRORS.flipperIdInvalid);
        if (method === 'POST') ensure(name).actors.add(id);
        else ensure(name).actors.delete(id);
        break;
      }
      case 'groups': {
        const group = params['name'];
        if (!group) return fail(ERRORS.nameInvalid);
        if (method === 'POST') ensure(name).groups.add(group);
        else ensure(name).groups.delete(group);
        break;
      }
    }
    return sendJson(req, reply, 200, featureDocument(name, ensure(name)));
  };

  // Flipper::Api.app's fallback for a path no action matches: 404 with `{}`
  app.setNotFoundHandler((req, reply) => sendJson(req, reply, 404, {}));

  await app.register(
    async (api) => {
      api.get('/features', async (req, reply) =>
        sendJson(req, reply, 200, {
          features: [...features.entries()].map(([name, values]) => featureDocument(name, values)),
        }),
      );
      api.get<{ Params: { name: string } }>('/features/:name', async (req, reply) => {
        const values = features.get(req.params.name);
        if (values === undefined) return sendError(req, reply, ERRORS.featureNotFound);
        return sendJson(req, reply, 200, featureDocument(req.params.name, values));
      });
      api.delete<{ Params: { name: string } }>('/features/:name', async (req, reply) => {
        features.delete(req.params.name);
        return reply.code(204).send();
      });
      for (const method of ['POST', 'DELETE'] as const) {
        // Flipper::Adapters::Http posts the expression itself as the JSON body
        api.route<{ Params: { name: string } }>({
          method,
          url: '/features/:name/expression',
          handler: async (req, reply) => {
            const values = ensure(req.params.name);
            if (method === 'DELETE') values.expression = null;
            else {
              const parsed = parseObject(rawBody(req));
              if (parsed === undefined)
                return sendJson(req, reply, 500, { message: 'sandbox: invalid JSON body' });
              values.expression = parsed;
            }
            return sendJson(req, reply, 200, featureDocument(req.params.name, values));
          },
        });
      }
      for (const gate of GATE_ROUTES) {
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
                return sendJson(req, reply, 500, { message: 'sandbox: invalid JSON body' });
              }
              return gateAction(gate, method, req.params.name, params, req, reply);
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
      return values === undefined ? undefined : featureDocument(name, values);
    },
    setFeature: (name, change) => applyManualChange(ensure(name), change),
    removeFeature: (name) => {
      features.delete(name);
    },
    failNext: (status, times = 1) => {
      for (let i = 0; i < times; i += 1) failures.push(status);
    },
    close: () => app.close(),
  };
}
