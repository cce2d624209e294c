import type { Notifier, RolloutEvent } from '../ports/notifier.js';
import type { Secret } from '../secrets/secret-source.js';
import { postJson } from './http-post.js';
import { slackMessage } from './slack-message.js';

/*
 * Slack incoming webhook (`type: slack`). The webhook URL is a credential
 * (anyone holding it can post to the channel): it comes from the environment,
 * or a file (re-read on change, see src/secrets/), is kept in a private
 * field, and never reaches a log line or an error.
 */

export interface SlackNotifierOptions {
  readonly name: string;
  /** the URL, or where to read it from on each send (a rotated file) */
  readonly webhookUrl: string | Secret;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export class SlackNotifier implements Notifier {
  readonly name: string;
  readonly #webhookUrl: string | Secret;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch | undefined;

  constructor(opts: SlackNotifierOptions) {
    this.name = opts.name;
    this.#webhookUrl = opts.webhookUrl;
    this.#timeoutMs = opts.timeoutMs;
    this.#fetch = opts.fetch;
  }

  async send(event: RolloutEvent, signal?: AbortSignal): Promise<void> {
    await postJson({
      notifier: this.name,
      url: typeof this.#webhookUrl === 'string' ? this.#webhookUrl : this.#webhookUrl.get(),
      body: JSON.stringify(slackMessage(event)),
      timeoutMs: this.#timeoutMs,
      signal,
      fetch: this.#fetch,
    });
  }

  /** what util.inspect and a careless `logger.info({ notifier })` would print: no URL */
  toJSON(): { type: 'slack'; name: string } {
    return { type: 'slack', name: this.name };
  }
}
