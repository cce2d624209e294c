import { randomUUID } from 'node:crypto';
import { StagegateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Gate, ToggleProvider, ToggleState } from '../../ports/toggle-provider.js';
import { callFields, loggedCall, type CallNotes, type ToggleAction } from './call-log.js';
import {
  describeUrl,
  errorForStatus,
  httpOptionsFor,
  sendWithRetry,
  type FetchFn,
  type HttpOptions,
  type HttpRequest,
  type RetryPolicy,
} from '../../http/http-client.js';
import { confirmToggleWrite, type ToggleWrite } from '../../ports/toggle-checks.js';
import type { Secret } from '../../secrets/secret-source.js';
import { parseWebhookState, toToggleState, type WebhookRequestBody } from './webhook-payload.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './webhook-signature.js';
import {
  absentToggleState,
  assertValidPercent,
  withDisabled,
  withEnabled,
  withPercent,
} from './toggle-state.js';

/*
 * A toggle that lives outside Flipper (e.g. the share of Kafka messages a
 * gateway consumes): stagegate POSTs the absolute value it wants and the
 * receiver applies it. Where the state after a write comes from, best first:
 * the POST response when it echoes a state document; else `GET {stateUrl}`;
 * else what was asked for ("assumed"), because a 2xx means the receiver took
 * it. Only `stateUrl` sees changes made by someone else, so drift detection
 * needs it.
 */

export interface WebhookToggleOptions {
  readonly name: string;
  readonly url: string;
  readonly stateUrl?: string;
  /** the HMAC secret (or its rotating source, a secretFile), read by the factory, never logged */
  readonly secret?: string | Secret | undefined;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly fetch?: FetchFn;
  /** epoch ms; injectable for signature tests */
  readonly now?: () => number;
}

export class WebhookToggleProvider implements ToggleProvider {
  readonly name: string;
  readonly #options: WebhookToggleOptions;
  /** the last state seen or assumed per feature, for `read` without a stateUrl */
  readonly #known = new Map<string, ToggleState>();
  /** the gate last written per feature: a single-`percent` state is read as that gate */
  readonly #gates = new Map<string, Gate>();

  constructor(options: WebhookToggleOptions) {
    this.name = options.name;
    this.#options = options;
  }

  read(feature: string, signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(this.#options.logger, callFields(this.name, feature, 'read', null), async (notes) => {
      if (this.#options.stateUrl !== undefined) {
        notes.stateSource = 'stateUrl';
        return this.#fetchState(feature, notes, signal);
      }
      const known = this.#known.get(feature);
      if (known === undefined) {
        throw new StagegateError(
          'E_PROVIDER_RESPONSE',
          `webhook toggle ${this.name} has no stateUrl and has not written ${feature} in this process: its state is unknown`,
          { feature, provider: this.name, reason: 'state-unknown' },
        );
      }
      notes.stateSource = 'last-write';
      return known;
    });
  }

  setPercent(feature: string, percent: number, gate: Gate, signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(
      this.#options.logger,
      callFields(this.name, feature, 'set', percent, gate),
      async (notes) => {
        assertValidPercent(feature, percent);
        return this.#post(
          feature,
          { action: 'set', percent, gate },
          (s) => withPercent(s, percent, gate),
          notes,
          signal,
        );
      },
    );
  }

  disable(feature: string, mode: 'zero' | 'disable', signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(this.#options.logger, callFields(this.name, feature, 'disable', mode), (notes) =>
      this.#post(
        feature,
        { action: 'disable', percent: 0, mode },
        (s) => withDisabled(s, mode),
        notes,
        signal,
      ),
    );
  }

  enable(feature: string, signal?: AbortSignal): Promise<ToggleState> {
    return loggedCall(this.#options.logger, callFields(this.name, feature, 'enable', null), (notes) =>
      this.#post(feature, { action: 'enable', percent: 100 }, withEnabled, notes, signal),
    );
  }

  async #post(
    feature: string,
    change: Pick<WebhookRequestBody, 'action' | 'percent' | 'gate' | 'mode'>,
    assume: (before: ToggleState) => ToggleState,
    notes: CallNotes,
    signal: AbortSignal | undefined,
  ): Promise<ToggleState> {
    const now = this.#options.now ?? Date.now;
    const payload: WebhookRequestBody = {
      feature,
      ...change,
      id: randomUUID(),
      timestamp: Math.floor(now() / 1000),
    };
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'stagegate',
      [TIMESTAMP_HEADER]: String(payload.timestamp),
    };
    const secret = this.#secret();
    if (secret !== undefined) headers[SIGNATURE_HEADER] = signBody(secret, body);
    const request: HttpRequest = { method: 'POST', url: new URL(this.#options.url), headers, body };

    const response = await sendWithRetry(request, this.#http(feature, change.action), notes, signal);
    if (response.status < 200 || response.status >= 300)
      throw errorForStatus(request, response, feature, this.#secrets());

    const echoed = parseWebhookState(response.body);
    let state: ToggleState;
    if (echoed !== undefined) {
      notes.stateSource = 'echo';
      if (change.gate !== undefined) this.#gates.set(feature, change.gate);
      state = toToggleState(feature, echoed, this.#gates.get(feature));
      // an echo is the receiver's word on the write: it must be this toggle, at the value asked
      const check = confirmToggleWrite(askedWrite(feature, change), state);
      if (!check.ok) {
        throw new StagegateError(
          'E_TOGGLE_MISMATCH',
          `webhook ${this.name} answered ${String(response.status)} for ${feature} but ${check.reason}`,
          { feature, answered: state.feature, action: change.action, reason: check.reason },
        );
      }
    } else if (this.#options.stateUrl !== undefined) {
      notes.stateSource = 'stateUrl';
      state = await this.#fetchState(feature, notes, signal);
    } else {
      notes.stateSource = 'assumed';
      state = assume(this.#known.get(feature) ?? absentToggleState(feature));
    }
    this.#known.set(feature, state);
    return state;
  }

  async #fetchState(
    feature: string,
    notes: CallNotes,
    signal: AbortSignal | undefined,
  ): Promise<ToggleState> {
    const url = new URL(this.#options.stateUrl ?? '');
    url.searchParams.set('feature', feature);
    const request: HttpRequest = {
      method: 'GET',
      url,
      headers: { accept: 'application/json', 'user-agent': 'stagegate' },
    };
    const response = await sendWithRetry(request, this.#http(feature, 'read'), notes, signal);
    if (response.status === 404) return absentToggleState(feature);
    if (response.status !== 200) throw errorForStatus(request, response, feature, this.#secrets());
    const parsed = parseWebhookState(response.body);
    if (parsed === undefined) {
      throw new StagegateError(
        'E_PROVIDER_RESPONSE',
        `GET ${describeUrl(url)} did not answer a toggle state ({"percent": number, "enabled": boolean})`,
        { feature, url: describeUrl(url), status: response.status },
      );
    }
    const state = toToggleState(feature, parsed, this.#gates.get(feature));
    return state.exists ? state : absentToggleState(feature);
  }

  /** the secret as of now: a rotated secretFile is picked up by the next request */
  #secret(): string | undefined {
    const secret = this.#options.secret;
    return typeof secret === 'object' ? secret.get() : secret;
  }

  #secrets(): readonly string[] {
    const secret = this.#secret();
    return secret === undefined ? [] : [secret];
  }

  #http(feature: string, action: ToggleAction): HttpOptions {
    return httpOptionsFor(this.#options, { provider: this.name, feature, action }, this.#secrets());
  }
}

function askedWrite(
  feature: string,
  change: Pick<WebhookRequestBody, 'action' | 'percent' | 'gate' | 'mode'>,
): ToggleWrite {
  if (change.action === 'set') {
    return { feature, action: 'set', gate: change.gate ?? 'percentage_of_actors', percent: change.percent };
  }
  if (change.action === 'enable') return { feature, action: 'enable' };
  return change.mode === 'disable' ? { feature, action: 'disable' } : { feature, action: 'zero' };
}
