import { createHash } from 'node:crypto';
import type { Notifier, RolloutEvent } from '../ports/notifier.js';
import type { Secret } from '../secrets/secret-source.js';
import { postJson } from './http-post.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './signature.js';

/*
 * Generic webhook (`type: webhook`): POSTs the RolloutEvent as JSON with a
 * payload `version`, so receivers can tell formats apart when it changes.
 * Deliveries are retried, so a receiver may get one twice:
 * `X-Stagegate-Delivery` is the same for every attempt of one event (a hash of
 * the body) and is what to de-duplicate on. With a secret, the body is signed
 * (signature.ts) and `X-Stagegate-Timestamp` says when this attempt was sent.
 */

export const WEBHOOK_PAYLOAD_VERSION = 1;

export type WebhookPayload = { readonly version: typeof WEBHOOK_PAYLOAD_VERSION } & RolloutEvent;

export interface WebhookNotifierOptions {
  readonly name: string;
  readonly url: string;
  /** the HMAC key, or where to read it from on each send (a rotated file); unsigned deliveries without it */
  readonly secret?: string | Secret | undefined;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  /** the clock for X-Stagegate-Timestamp (tests) */
  readonly now?: () => number;
}

export function webhookPayload(event: RolloutEvent): WebhookPayload {
  return { version: WEBHOOK_PAYLOAD_VERSION, ...event };
}

export class WebhookNotifier implements Notifier {
  readonly name: string;
  readonly #url: string;
  readonly #secret: string | Secret | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch | undefined;
  readonly #now: () => number;

  constructor(opts: WebhookNotifierOptions) {
    this.name = opts.name;
    this.#url = opts.url;
    this.#secret = opts.secret;
    this.#timeoutMs = opts.timeoutMs;
    this.#fetch = opts.fetch;
    this.#now = opts.now ?? Date.now;
  }

  async send(event: RolloutEvent, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(webhookPayload(event));
    const headers: Record<string, string> = {
      'x-stagegate-event': event.type,
      'x-stagegate-delivery': createHash('sha256').update(body).digest('hex').slice(0, 32),
    };
    if (this.#secret !== undefined) {
      const key = typeof this.#secret === 'string' ? this.#secret : this.#secret.get();
      headers[SIGNATURE_HEADER] = signBody(key, body);
      headers[TIMESTAMP_HEADER] = String(Math.floor(this.#now() / 1000));
    }
    await postJson({
      notifier: this.name,
      url: this.#url,
      body,
      headers,
      timeoutMs: this.#timeoutMs,
      signal,
      fetch: this.#fetch,
    });
  }

  toJSON(): { type: 'webhook'; name: string; signed: boolean } {
    return { type: 'webhook', name: this.name, signed: this.#secret !== undefined };
  }
}
