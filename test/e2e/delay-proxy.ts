import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A loopback HTTP proxy that holds every write (non-GET) for `delayMs` before
 * passing it on, so a test can SIGKILL the controller while a toggle write is
 * in flight — the window crash safety is about. Requests are forwarded in
 * arrival order with the same delay, so a write sent by a process that was
 * killed still lands before any write of its successor, as on a real network.
 */
export interface DelayProxy {
  /** the target's URL with the proxy's origin: put it in the config */
  readonly url: string;
  /** writes received so far */
  readonly writes: number;
  /** resolves at the next write the proxy receives */
  nextWrite(): Promise<void>;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startDelayProxy(targetUrl: string, delayMs: number): Promise<DelayProxy> {
  const target = new URL(targetUrl);
  let writes = 0;
  let waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    void (async () => {
      const payload = await body(req);
      if (req.method !== 'GET') {
        writes++;
        const ready = waiters;
        waiters = [];
        for (const w of ready) w();
        await new Promise((r) => setTimeout(r, delayMs));
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
      }
      const answer = await fetch(new URL(req.url ?? '/', target.origin), {
        method: req.method ?? 'GET',
        headers,
        ...(payload.length > 0 && { body: payload }),
      });
      const text = await answer.text();
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(text);
    })().catch(() => {
      res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    get writes() {
      return writes;
    },
    nextWrite: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
