import { readFileSync, statSync, type Stats } from 'node:fs';
import { StagegateError } from '../errors.js';
import { registerSecret } from './scrubber.js';

/*
 * Where a secret comes from: an environment variable (`tokenEnv`, read once:
 * the environment of a running process does not change) or a file
 * (`tokenFile`, a mounted Kubernetes secret or a short-lived token written by
 * a sidecar), re-read when it changes so a rotation needs no restart. The
 * check is one stat per use (mtime, size and inode: Kubernetes swaps a
 * symlink, so the inode changes even when mtime and size do not), which is a
 * few microseconds against a network request; a watcher would miss the
 * symlink swap on some filesystems and needs a fallback anyway.
 *
 * Every value read is registered with the scrubber, old ones stay registered.
 * Errors name the config key and the file path, never a value.
 */

export interface Secret {
  /** the current value */
  get(): string;
  /** the config key it came from, for messages: `toggles.flipper.tokenFile` */
  readonly origin: string;
}

/** A secret file larger than this is a wrong path (a log, a binary), not a token. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface SecretWarn {
  (fields: Readonly<Record<string, unknown>>, message: string): void;
}

export function staticSecret(value: string, origin: string): Secret {
  registerSecret(value);
  return { get: () => value, origin };
}

/**
 * A file secret, read now (a missing or empty file fails at start-up) and
 * again whenever the file changes. If a later read fails (the file is being
 * swapped, or was removed), the last good value is kept and `warn` is told:
 * a rollback must not fail because a secret file blinked.
 */
export function fileSecret(path: string, origin: string, warn?: SecretWarn): Secret {
  let stamp = '';
  let value = '';
  const load = (initial: boolean): void => {
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch (err) {
      if (initial) throw fileProblem(origin, path, `cannot be read (${codeOf(err)})`);
      warn?.({ origin, path, reason: codeOf(err) }, 'secret file unreadable, keeping the last value');
      return;
    }
    const next = `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    if (next === stamp) return;
    const problem = !stats.isFile()
      ? 'is not a regular file'
      : stats.size > MAX_SECRET_FILE_BYTES
        ? `is larger than ${MAX_SECRET_FILE_BYTES} bytes: is it the right file?`
        : undefined;
    let text = '';
    if (problem === undefined) {
      try {
        text = readFileSync(path, 'utf8').trim();
      } catch (err) {
        if (initial) throw fileProblem(origin, path, `cannot be read (${codeOf(err)})`);
        warn?.({ origin, path, reason: codeOf(err) }, 'secret file unreadable, keeping the last value');
        return;
      }
    }
    const why = problem ?? (text === '' ? 'is empty' : undefined);
    if (why !== undefined) {
      if (initial) throw fileProblem(origin, path, why);
      warn?.({ origin, path, reason: why }, 'secret file unusable, keeping the last value');
      return;
    }
    registerSecret(text);
    value = text;
    stamp = next;
  };
  load(true);
  return {
    origin,
    get: () => {
      load(false);
      return value;
    },
  };
}

function fileProblem(origin: string, path: string, what: string): StagegateError {
  return new StagegateError('E_CONFIG_INVALID', `${origin}: the secret file ${path} ${what}`, {
    origin,
    path,
  });
}

function codeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return err instanceof Error ? err.name : 'unknown error';
}

/**
 * Whether a `*Env` value reads like a conventional variable name
 * (UPPER_SNAKE_CASE) rather than a pasted secret. Only such a name is ever
 * printed in a message; anything else (lower case, dashes, long runs of
 * letters and digits without separators) may be the secret itself.
 */
export function looksLikeVariableName(name: string): boolean {
  if (name.length > 64 || !/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/.test(name)) return false;
  // a segment mixing letters and digits over 12 characters reads like a key (AKIA..., base32 tokens)
  return name.split('_').every((segment) => segment.length <= 12 || !/\d/.test(segment));
}

/** How a message refers to the variable a `*Env` key names, without ever printing a secret. */
export function describeEnvName(key: string, name: string): string {
  return looksLikeVariableName(name)
    ? `environment variable ${name}`
    : `the environment variable named by ${key} (its value looks like a secret, not a variable name: put the secret in the environment or a file and its name here)`;
}

export interface SecretPair {
  /** the config key prefix, e.g. `toggles.flipper.token` (for `tokenEnv` / `tokenFile`) */
  readonly key: string;
  readonly envName: string | undefined;
  readonly file: string | undefined;
  /** what the secret is, for the message: "the signing secret" */
  readonly what?: string;
}

/**
 * The secret a `*Env` / `*File` pair points at (the schema allows at most
 * one of them), or undefined when neither is set. An unset or empty variable
 * is a config error raised at start-up.
 */
export function resolveSecret(
  pair: SecretPair,
  env: Readonly<Record<string, string | undefined>>,
  warn?: SecretWarn,
): Secret | undefined {
  if (pair.file !== undefined) return fileSecret(pair.file, `${pair.key}File`, warn);
  if (pair.envName === undefined) return undefined;
  const key = `${pair.key}Env`;
  const value = env[pair.envName]?.trim();
  if (value === undefined || value === '') {
    // the name itself may be the secret pasted in the wrong place: register it before any message is built
    if (!looksLikeVariableName(pair.envName)) registerSecret(pair.envName);
    const hint = pair.what === undefined ? '' : ` (it must hold ${pair.what})`;
    throw new StagegateError(
      'E_CONFIG_INVALID',
      `${key}: ${describeEnvName(key, pair.envName)} is not set${hint}`,
      {
        key,
        ...(looksLikeVariableName(pair.envName) ? { variable: pair.envName } : {}),
      },
    );
  }
  return staticSecret(value, key);
}
