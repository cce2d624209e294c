import { StagegateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Gate, ToggleProvider, ToggleState } from '../../ports/toggle-provider.js';
import { callFields, loggedCall, type CallNotes, type ToggleAction } from './call-log.js';
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
 * every other gate, gate writes create unknown features.
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
      if (response.status === 200) return parseFlipperFeature(feature, response.body);
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
        return this.#write('set', 'POST', feature, `/${gate}`, body, notes, signal);
      },
    );
  }

  /**
   * `zero` DELETEs both percentage gates (Flipper stores "0"), whichever the
   * rollout used: a rollback must leave no percentage exposure behind, and
   * actor/group allow-lists and the boolean gate are not touched. `disable`
   * DELETEs the boolean gate, which clears every gate, allow-lists included.
   */
  disable(feature: string, mode: 'zero' | 'disable', signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(
      this.#options.logger,
      callFields(this.name, feature, 'disable', mode),
      async (notes) => {
        if (mode === 'disable') {
          return this.#write('disable', 'DELETE', feature, '/boolean', undefined, notes, signal);
        }
        let state: ToggleState | undefined;
        for (const gate of GATES) {
          state = await this.#write('disable', 'DELETE', feature, `/${gate}`, undefined, notes, signal);
        }
        if (state?.enabled) {
          this.#options.logger.warn(
            { provider: this.name, feature },
            'toggle boolean gate still on after zero rollback',
          );
        }
        return state ?? absentToggleState(feature);
      },
    );
  }

  /** POST the boolean gate (rollout `onComplete: enable`); Flipper clears the other gates. */
  enable(feature: string, signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(this.#options.logger, callFields(this.name, feature, 'enable', null), (notes) =>
      this.#write('enable', 'POST', feature, '/boolean', '{}', notes, signal),
    );
  }

  async #write(
    action: ToggleAction,
    method: 'POST' | 'DELETE',
    feature: string,
    suffix: string,
    body: string | undefined,
    notes: CallNotes,
    signal: AbortSignal | undefined,
  ): Promise<ToggleState> {
    const request = this.#request(method, feature, suffix, body);
    const response = await sendWithRetry(request, this.#http(feature, action), notes, signal);
    // Every gate action answers 200 with the feature document: the state after the write.
    if (response.status === 200) return parseFlipperFeature(feature, response.body);
    throw this.#failure(request, response, feature);
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
