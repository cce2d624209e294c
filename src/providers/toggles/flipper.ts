import { StagegateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Gate, ToggleProvider, ToggleState } from '../../ports/toggle-provider.js';
import { callFields, loggedCall, type CallNotes, type ToggleAction } from './call-log.js';
import { confirmToggleWrite, type ToggleWrite } from '../../ports/toggle-checks.js';
import { isFeatureNotFound, parseFlipperFeature } from './flipper-payload.js';
import {
  errorForStatus,
  httpOptionsFor,
  sendWithRetry,
  type FetchFn,
  type HttpOptions,
  type HttpRequest,
  type RetryPolicy,
} from '../../http/http-client.js';
import type { Secret } from '../../secrets/secret-source.js';
import { absentToggleState, assertValidPercent, formatPercent } from './toggle-state.js';

/*
 * Flipper over flipper-api (a mounted Flipper::Api, or Flipper Cloud's
 * https://www.flippercloud.io/adapter). Routes and payloads follow
 * lib/flipper/api/v1/actions/*.rb; DESIGN.md §7 lists the sharp edges:
 * Content-Type must be exactly application/json, the boolean gate clears
 * every other gate, gate writes create unknown features. Every answer is
 * checked against what was asked (the document's key and the gate's value):
 * a 200 carrying another feature's document is E_TOGGLE_MISMATCH, never a
 * write that happened.
 */

export interface FlipperToggleOptions {
  readonly name: string;
  /** the flipper-api mount point, e.g. https://app.example.com/flipper/api */
  readonly baseUrl: string;
  /** the token (or its rotating source, a tokenFile), read by the factory, never logged */
  readonly token?: string | Secret | undefined;
  /** header that carries the raw token; default `Authorization: Bearer <token>` */
  readonly tokenHeader?: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly fetch?: FetchFn;
  /**
   * How a percentage gate is turned off. `post` (default): POST {"percentage":"0"},
   * as Flipper's own HTTP client does (Flipper::Adapters::Http#disable); `delete`:
   * DELETE the gate, for a mount whose proxy or middleware only lets DELETE through.
   */
  readonly percentageOff?: 'post' | 'delete';
}

const GATES: readonly Gate[] = ['percentage_of_actors', 'percentage_of_time'];

export class FlipperToggleProvider implements ToggleProvider {
  readonly name: string;
  readonly #base: string;
  readonly #options: FlipperToggleOptions;

  constructor(options: FlipperToggleOptions) {
    this.name = options.name;
    this.#options = options;
    this.#base = options.baseUrl.replace(/\/+$/, '');
  }

  /** the token as of now: a rotated tokenFile is picked up by the next request */
  #token(): string | undefined {
    const token = this.#options.token;
    return typeof token === 'object' ? token.get() : token;
  }

  #secrets(): readonly string[] {
    const token = this.#token();
    return token === undefined ? [] : [token];
  }

  #headers(): Readonly<Record<string, string>> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'stagegate' };
    const token = this.#token();
    if (token !== undefined) {
      if (this.#options.tokenHeader) headers[this.#options.tokenHeader.toLowerCase()] = token;
      else headers['authorization'] = `Bearer ${token}`;
    }
    return headers;
  }

  read(feature: string, signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(this.#options.logger, callFields(this.name, feature, 'read', null), async (notes) => {
      const request = this.#request('GET', feature, '');
      const response = await sendWithRetry(request, this.#http(feature, 'read'), notes, signal);
      if (response.status === 200) return sameFeature(feature, parseFlipperFeature(feature, response.body));
      // Only flipper-api's own "feature not found" means absent; a bare 404 is a wrong baseUrl.
      if (response.status === 404 && isFeatureNotFound(response.body)) return absentToggleState(feature);
      throw this.#failure(request, response, feature);
    });
  }

  setPercent(feature: string, percent: number, gate: Gate, signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(
      this.#options.logger,
      callFields(this.name, feature, 'set', percent, gate),
      async (notes) => {
        assertValidPercent(feature, percent);
        const body = JSON.stringify({ percentage: formatPercent(percent) });
        return this.#write(
          { feature, action: 'set', gate, percent },
          'POST',
          `/${gate}`,
          body,
          notes,
          signal,
        );
      },
    );
  }

  /**
   * `zero` turns both percentage gates off (Flipper stores "0"), whichever the
   * rollout used: a rollback must leave no percentage exposure behind. The
   * boolean gate, the expression and the actor/group allow-lists are not
   * touched (the runtime reports what still exposes users: confirmOff).
   * `disable` DELETEs the boolean gate, which clears every gate, allow-lists included.
   */
  disable(feature: string, mode: 'zero' | 'disable', signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(
      this.#options.logger,
      callFields(this.name, feature, 'disable', mode),
      async (notes) => {
        if (mode === 'disable') {
          return this.#write({ feature, action: 'disable' }, 'DELETE', '/boolean', undefined, notes, signal);
        }
        const method = this.#options.percentageOff === 'delete' ? 'DELETE' : 'POST';
        const body = method === 'POST' ? JSON.stringify({ percentage: '0' }) : undefined;
        let state: ToggleState | undefined;
        for (const gate of GATES) {
          const asked: ToggleWrite = { feature, action: 'set', gate, percent: 0 };
          state = await this.#write(asked, method, `/${gate}`, body, notes, signal);
        }
        const last = state ?? absentToggleState(feature);
        this.#verify({ feature, action: 'zero' }, last, method, '/percentage_of_time');
        if (last.enabled) {
          this.#options.logger.warn(
            { provider: this.name, feature },
            'toggle boolean gate still on after zero rollback',
          );
        }
        return last;
      },
    );
  }

  /** POST the boolean gate (rollout `onComplete: enable`); Flipper clears the other gates. */
  enable(feature: string, signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(this.#options.logger, callFields(this.name, feature, 'enable', null), (notes) =>
      this.#write({ feature, action: 'enable' }, 'POST', '/boolean', '{}', notes, signal),
    );
  }

  async #write(
    asked: ToggleWrite,
    method: 'POST' | 'DELETE',
    suffix: string,
    body: string | undefined,
    notes: CallNotes,
    signal: AbortSignal | undefined,
  ): Promise<ToggleState> {
    const { feature } = asked;
    const action: ToggleAction =
      asked.action === 'set' ? 'set' : asked.action === 'enable' ? 'enable' : 'disable';
    const request = this.#request(method, feature, suffix, body);
    const response = await sendWithRetry(request, this.#http(feature, action), notes, signal);
    if (response.status !== 200) throw this.#failure(request, response, feature);
    // Every gate action answers 200 with the feature document: the state after the write.
    const state = parseFlipperFeature(feature, response.body);
    this.#verify(asked, state, method, suffix);
    return state;
  }

  /** Throws E_TOGGLE_MISMATCH when the answer is not the feature and value that were asked for. */
  #verify(asked: ToggleWrite, state: ToggleState, method: string, suffix: string): void {
    const check = confirmToggleWrite(asked, state);
    if (check.ok) return;
    throw new StagegateError(
      'E_TOGGLE_MISMATCH',
      `${method} ${suffix} for ${asked.feature} answered 200 but ${check.reason}`,
      { feature: asked.feature, answered: state.feature, action: asked.action, reason: check.reason },
    );
  }

  #request(method: HttpRequest['method'], feature: string, suffix: string, body?: string): HttpRequest {
    const url = new URL(`${this.#base}/features/${encodeURIComponent(feature)}${suffix}`);
    // Exactly application/json: with `; charset=utf-8` flipper-api ignores the body and answers 422.
    const headers =
      body === undefined ? this.#headers() : { ...this.#headers(), 'content-type': 'application/json' };
    return body === undefined ? { method, url, headers } : { method, url, headers, body };
  }

  #failure(
    request: HttpRequest,
    response: { status: number; body: string },
    feature: string,
  ): StagegateError {
    if (response.status === 404 && isFeatureNotFound(response.body)) {
      return new StagegateError('E_TOGGLE_NOT_FOUND', `Flipper has no feature ${feature}`, {
        feature,
        status: 404,
        code: 1,
      });
    }
    if (response.status === 404) {
      return new StagegateError(
        'E_PROVIDER_RESPONSE',
        `${request.method} ${request.url.pathname} answered 404 without a Flipper error: is baseUrl the flipper-api mount point?`,
        { feature, method: request.method, status: 404 },
      );
    }
    return errorForStatus(request, response, feature, this.#secrets());
  }

  #http(feature: string, action: ToggleAction): HttpOptions {
    return httpOptionsFor(this.#options, { provider: this.name, feature, action }, this.#secrets());
  }
}

/** A read answered with another feature's document is not a read of this one. */
function sameFeature(feature: string, state: ToggleState): ToggleState {
  if (state.feature === feature) return state;
  throw new StagegateError(
    'E_TOGGLE_MISMATCH',
    `GET of ${feature} answered the document of feature ${state.feature}`,
    { feature, answered: state.feature, action: 'read' },
  );
}
