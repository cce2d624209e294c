import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { ControllerProcess, type Workspace } from './harness.js';

/*
 * Plumbing of the failover test: replicas of `stagegate run` on one database,
 * each with its own config whose Flipper URL is a recording proxy of its own,
 * so every toggle write the sandbox receives is attributed to the replica
 * (slot and process generation) that sent it, in the order the test saw it.
 */

export interface ProxiedWrite {
  readonly slot: number;
  readonly generation: number;
  readonly method: string;
  readonly path: string;
  /** percentage written; 0 for a DELETE or boolean-off */
  readonly percent: number;
  /** order of arrival across all replicas */
  readonly seq: number;
}

export interface WriteLog {
  readonly writes: ProxiedWrite[];
  next(): number;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function percentOf(method: string, body: Buffer): number {
  if (method === 'DELETE') return 0;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { percentage?: string };
    return parsed.percentage === undefined ? 0 : Number(parsed.percentage);
  } catch {
    return 0;
  }
}

export interface RecordingProxy {
  readonly url: string;
  generation: number;
  close(): Promise<void>;
}

/** forwards at once; records every write with the replica's slot and current generation */
export async function startRecordingProxy(
  target: string,
  slot: number,
  log: WriteLog,
): Promise<RecordingProxy> {
  const to = new URL(target);
  const proxy: RecordingProxy = { url: '', generation: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    void (async () => {
      const payload = await readBody(req);
      const method = req.method ?? 'GET';
      if (method !== 'GET') {
        const path = req.url ?? '/';
        log.writes.push({
          slot,
          generation: proxy.generation,
          method,
          path,
          percent: percentOf(method, payload),
          seq: log.next(),
        });
      }
      const out = request(
        {
          host: to.hostname,
          port: to.port,
          method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.writeHead(502).end());
      out.end(payload);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}${to.pathname === '/' ? '' : to.pathname}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}

export interface ReplicaSlot {
  readonly slot: number;
  readonly configPath: string;
  readonly proxy: RecordingProxy;
  proc: ControllerProcess;
}

/** one config per replica: the workspace's, with postgres state and the replica's own Flipper proxy */
export async function writeReplicaConfig(
  ws: Workspace,
  slot: number,
  opts: { datadogUrl: string; flipperUrl: string; databaseUrl: string; schema: string; leaseSeconds: number },
): Promise<string> {
  const path = join(ws.dir, `replica-${slot}.yaml`);
  await writeFile(
    path,
    `rolloutsDir: ${ws.rolloutsDir}
state: { type: postgres, url: "${opts.databaseUrl}", schema: ${opts.schema}, leaseSeconds: ${opts.leaseSeconds} }
metrics:
  datadog: { type: datadog, baseUrl: "${opts.datadogUrl}", timeoutMs: 2000, maxRetries: 0 }
toggles:
  flipper: { type: flipper, baseUrl: "${opts.flipperUrl}", timeoutMs: 2000, maxRetries: 0 }
server: { enabled: false }
log: { level: info }
`,
  );
  return path;
}

export function spawnReplica(ws: Workspace, slot: ReplicaSlot): ControllerProcess {
  slot.proxy.generation++;
  slot.proc = new ControllerProcess({ ...ws, configPath: slot.configPath });
  return slot.proc;
}

export interface LeaseRow {
  readonly holder: string | null;
  readonly epoch: number;
  readonly live: boolean;
}

export async function readLeaseRow(db: pg.Pool, schema: string): Promise<LeaseRow> {
  const res = await db.query<{ holder: string | null; epoch: string; live: boolean }>(
    `SELECT holder, epoch::text AS epoch, expires_at > now() AS live FROM "${schema}".lease WHERE id = 1`,
  );
  const row = res.rows[0];
  return row === undefined ? { holder: null, epoch: 0, live: false } : { ...row, epoch: Number(row.epoch) };
}

/** the pid in a replica id (`host/pid/random`) */
export function pidOf(holder: string | null): number | undefined {
  const pid = Number(holder?.split('/').at(-2));
  return Number.isInteger(pid) ? pid : undefined;
}
