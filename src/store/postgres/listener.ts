import pg from 'pg';
import type { Logger } from '../../log.js';

/*
 * LISTEN on one dedicated connection (a pooled client would lose its
 * LISTENs when released). NOTIFY only speeds things up: every user also polls,
 * so a dropped connection costs latency, never a command or a takeover. On an
 * error the connection is dropped and re-opened after a pause.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  /** the connection being opened: listeners subscribing meanwhile wait for it instead of opening another */
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly logger?: Logger,
    private readonly retryMs = 1_000,
  ) {}

  /** subscribes; returns the unsubscribe */
  async listen(channel: string, cb: (payload: string) => void): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client) await this.client.query(`LISTEN "${channel}"`).catch(() => undefined);
    }
    set.add(cb);
    // two subscribers before the first connect finished would open two connections and hear every NOTIFY twice
    if (!this.client) await this.open();
    return () => {
      set.delete(cb);
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private open(): Promise<void> {
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
    client.on('notification', (msg) => {
      for (const cb of this.handlers.get(msg.channel) ?? []) cb(msg.payload ?? '');
    });
    client.on('error', (err: Error) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN "${channel}"`);
      this.client = client;
    } catch (err) {
      this.lost(client, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private lost(client: pg.Client, err: Error | undefined): void {
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
    if (this.stopped || this.retry !== undefined) return;
    if (err) this.logger?.warn({ err: { message: err.message } }, 'postgres listen connection lost');
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.open();
    }, this.retryMs);
    this.retry.unref();
  }
}
