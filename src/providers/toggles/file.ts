import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { StagegateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Gate, ToggleProvider, ToggleState } from '../../ports/toggle-provider.js';
import { callFields, loggedCall, type CallFields } from './call-log.js';
import {
  absentToggleState,
  assertValidPercent,
  normalizePercent,
  toggleState,
  withDisabled,
  withEnabled,
  withPercent,
} from './toggle-state.js';

/*
 * Toggles in a JSON file, for the demo and for services that read their
 * toggles from a file:
 *   { "<feature>": { "enabled": false, "percentageOfActors": 25, "percentageOfTime": 0, "actors": [], "groups": [] } }
 * Read fresh on every call, because a person may edit it (that is drift);
 * written atomically (temp file + rename), so a reader never sees half a file.
 * Keys are strict: a typo such as "percentageOfActor" is an error, not a
 * silently ignored field.
 */

const percent = z.number().min(0).max(100);
const entrySchema = z.strictObject({
  enabled: z.boolean().default(false),
  percentageOfActors: percent.default(0),
  percentageOfTime: percent.default(0),
  actors: z.array(z.string()).default([]),
  groups: z.array(z.string()).default([]),
});
const fileSchema = z.record(z.string(), entrySchema);

type FileEntry = z.output<typeof entrySchema>;
type ToggleFile = Record<string, FileEntry>;

export interface FileToggleOptions {
  readonly name: string;
  /** absolute, or relative to the process's working directory */
  readonly path: string;
  readonly logger: Logger;
}

export class FileToggleProvider implements ToggleProvider {
  readonly name: string;
  readonly #options: FileToggleOptions;
  /** Serializes this process's read-modify-write cycles so that two writes cannot lose each other. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: FileToggleOptions) {
    this.name = options.name;
    this.#options = options;
  }

  read(feature: string): Promise<ToggleState> {
    return loggedCall(this.#options.logger, callFields(this.name, feature, 'read', null), async () => {
      const file = await this.#load(feature);
      return toState(feature, file[feature]);
    });
  }

  setPercent(feature: string, percent: number, gate: Gate): Promise<ToggleState> {
    return this.#update(callFields(this.name, feature, 'set', percent, gate), (state) => {
      assertValidPercent(feature, percent);
      return withPercent(state, percent, gate);
    });
  }

  disable(feature: string, mode: 'zero' | 'disable'): Promise<ToggleState> {
    return this.#update(callFields(this.name, feature, 'disable', mode), (state) =>
      withDisabled(state, mode),
    );
  }

  enable(feature: string): Promise<ToggleState> {
    return this.#update(callFields(this.name, feature, 'enable', null), withEnabled);
  }

  #update(fields: CallFields, change: (state: ToggleState) => ToggleState): Promise<ToggleState> {
    const run = async (): Promise<ToggleState> => {
      const { feature } = fields;
      const file = await this.#load(feature);
      const next = change(toState(feature, file[feature]));
      file[feature] = toEntry(next);
      await this.#save(feature, file);
      return next;
    };
    const result = this.#queue.then(() => loggedCall(this.#options.logger, fields, run));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #load(feature: string): Promise<ToggleFile> {
    let text: string;
    try {
      text = await readFile(this.#options.path, 'utf8');
    } catch (err) {
      if (isErrno(err) && err.code === 'ENOENT') return {};
      throw this.#ioError(feature, 'read', err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new StagegateError(
        'E_PROVIDER_RESPONSE',
        `toggle file ${this.#options.path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
        { feature, path: this.#options.path },
      );
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      throw new StagegateError(
        'E_PROVIDER_RESPONSE',
        `toggle file ${this.#options.path} is invalid: ${issues.join('; ')}`,
        { feature, path: this.#options.path, issues },
      );
    }
    return parsed.data;
  }

  async #save(feature: string, file: ToggleFile): Promise<void> {
    try {
      await mkdir(dirname(this.#options.path), { recursive: true });
      await writeFileAtomic(this.#options.path, `${JSON.stringify(file, null, 2)}\n`, { encoding: 'utf8' });
    } catch (err) {
      throw this.#ioError(feature, 'write', err);
    }
  }

  #ioError(feature: string, op: 'read' | 'write', err: unknown): StagegateError {
    const code = isErrno(err) ? err.code : undefined;
    return new StagegateError(
      'E_PROVIDER_UNREACHABLE',
      `cannot ${op} toggle file ${this.#options.path}: ${err instanceof Error ? err.message : String(err)}`,
      { feature, path: this.#options.path, errno: code },
      { cause: err },
    );
  }
}

function toState(feature: string, entry: FileEntry | undefined): ToggleState {
  if (entry === undefined) return absentToggleState(feature);
  return toggleState({
    feature,
    exists: true,
    enabled: entry.enabled,
    percentageOfActors: normalizePercent(entry.percentageOfActors),
    percentageOfTime: normalizePercent(entry.percentageOfTime),
    // a toggle file has no expression gate
    expression: null,
    actors: [...entry.actors].sort(),
    groups: [...entry.groups].sort(),
  });
}

function toEntry(state: ToggleState): FileEntry {
  return {
    enabled: state.enabled,
    percentageOfActors: state.percentageOfActors,
    percentageOfTime: state.percentageOfTime,
    actors: [...state.actors],
    groups: [...state.groups],
  };
}

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && 'code' in err;
}
