import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { AbortMarker, AbortMarkers } from '../runtime/abort-marker.js';

/*
 * Where a CLI abort whose record could not be saved leaves its marker
 * (runtime/abort-marker.ts): not in the state store, which is what failed,
 * but in the OS temp dir (TMPDIR), usually another file system than a full or
 * read-only state disk. One directory per state store, so two stores on one
 * host never see each other's markers. Written with fsync + rename. Limits:
 * a controller on another host does not see it, and a reboot that clears
 * the temp dir drops it; both leave the drift pause, which the CLI's
 * message warns about.
 */

export interface AbortSpool extends AbortMarkers {
  /** writes the marker; returns its path */
  put(marker: AbortMarker): Promise<string>;
}

/** the store's identity: a file store's resolved dir, a database's host, path and schema (never credentials) */
function storeKey(state: Config['state']): string {
  switch (state.type) {
    case 'file':
      return `file:${resolve(state.dir)}`;
    case 'memory':
      return 'memory';
    case 'postgres': {
      let where = 'unparsed';
      try {
        const url = new URL(state.url);
        where = `${url.host}${url.pathname}`;
      } catch {
        // an unparsable URL still gets one directory of its own: the schema
      }
      return `postgres:${where}:${state.schema}`;
    }
  }
}

export function spoolDirFor(config: Pick<Config, 'state'>, base: string = tmpdir()): string {
  const key = createHash('sha256').update(storeKey(config.state)).digest('hex').slice(0, 16);
  return join(base, 'stagegate-unsaved-aborts', key);
}

const SAFE_NAME = /^[a-z0-9-]+$/;

const markerSchema = z.object({
  rollout: z.string(),
  feature: z.string(),
  by: z.string(),
  reason: z.string().nullable(),
  at: z.number().int(),
  error: z.string(),
});

export function createAbortSpool(dir: string): AbortSpool {
  const pathOf = (name: string): string => {
    if (!SAFE_NAME.test(name)) throw new Error(`not a rollout name: ${JSON.stringify(name)}`);
    return join(dir, `${name}.json`);
  };
  return {
    async put(marker) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const path = pathOf(marker.rollout);
      const tmp = `${path}.${process.pid}.tmp`;
      const file = await open(tmp, 'w', 0o600);
      try {
        await file.writeFile(`${JSON.stringify(marker)}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
      return path;
    },
    async get(name) {
      let text: string;
      try {
        text = await readFile(pathOf(name), 'utf8');
      } catch {
        return undefined;
      }
      // a torn or foreign file is no marker: the rollout then keeps its drift pause, never a wrong abort
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return undefined;
      }
      const parsed = markerSchema.safeParse(json);
      return parsed.success && parsed.data.rollout === name ? parsed.data : undefined;
    },
    async clear(name) {
      await rm(pathOf(name), { force: true });
    },
  };
}
