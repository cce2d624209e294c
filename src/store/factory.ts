import { resolve } from 'node:path';
import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../ports/state-store.js';
import type { Config } from '../config/schema.js';
import { FileStateStore } from './file-store.js';
import { MemoryStateStore } from './memory-store.js';
import { createPool } from './postgres/pool.js';
import { PostgresStateStore } from './postgres/postgres-store.js';

export type StateConfig = Config['state'];

export interface CreateStateStoreOptions {
  readonly logger?: Logger;
  /** a relative `dir` is resolved against this (default: the working directory) */
  readonly baseDir?: string;
}

/** The state store named by `config.state` (DESIGN.md §6); an unknown type is a config error, not a crash. */
export function createStateStore(config: StateConfig, opts: CreateStateStoreOptions = {}): StateStore {
  switch (config.type) {
    case 'file':
      return new FileStateStore({
        dir: resolve(opts.baseDir ?? process.cwd(), config.dir),
        logger: opts.logger,
      });
    case 'memory':
      return new MemoryStateStore();
    case 'postgres':
      // for reads and CLI commands; `stagegate run` opens store + lease with openPostgresState
      return new PostgresStateStore({
        pool: createPool({ url: config.url, logger: opts.logger }),
        schema: config.schema,
        ownsPool: true,
      });
    default: {
      const unknown: { readonly type?: unknown } = config;
      throw new StagegateError('E_UNKNOWN_TYPE', `unknown state store type ${JSON.stringify(unknown.type)}`, {
        type: unknown.type,
      });
    }
  }
}
