import { StagegateError } from '../errors.js';
import type { StoreHealth, StoreProblem } from '../ports/state-store.js';
import { errnoCode } from './durable-fs.js';

/*
 * Typed store failures. A full or read-only disk is not a bug in one record:
 * every write will fail the same way until an operator acts, so it is
 * E_STORE_UNAVAILABLE with the errno, and the store's health says so, letting
 * the runtime put safety before bookkeeping (turn the toggle off even though
 * the intent cannot be saved) and /readyz report "store failing".
 */

const UNAVAILABLE: Readonly<Record<string, string>> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this host',
  EIO: 'I/O error',
};

export function isUnavailableErrno(code: string | undefined): boolean {
  return code !== undefined && code in UNAVAILABLE;
}

/** the errno of `err` or of its cause (a StagegateError wrapping a system error) */
export function errnoOf(err: unknown): string | undefined {
  const own = errnoCode(err);
  if (own !== undefined && own.startsWith('E') && !own.startsWith('E_')) return own;
  if (err instanceof StagegateError) {
    const fromDetails = err.details.errno;
    if (typeof fromDetails === 'string') return fromDetails;
    return errnoOf(err.cause);
  }
  return undefined;
}

/** a system error from the store's filesystem as a typed StagegateError */
export function storeIoError(action: string, path: string, err: unknown): StagegateError {
  const errno = errnoOf(err);
  if (isUnavailableErrno(errno)) {
    return new StagegateError(
      'E_STORE_UNAVAILABLE',
      `cannot ${action} ${path}: ${errno} (${UNAVAILABLE[errno as string]})`,
      { file: path, errno },
      { cause: err },
    );
  }
  const reason = errno ?? (err instanceof Error ? err.message : String(err));
  return new StagegateError(
    'E_STORE_IO',
    `cannot ${action} ${path}: ${reason}`,
    { file: path },
    { cause: err },
  );
}

/**
 * The health of writes, from their outcomes: failing from the first
 * unavailable-class error until a write succeeds again. Other errors (a
 * conflict, a lock held by someone else) say nothing about the disk.
 */
export class WriteHealth {
  private state: StoreHealth = { ok: true, problem: null, errno: null, since: null };

  constructor(private readonly now: () => number = Date.now) {}

  get(): StoreHealth {
    return this.state;
  }

  succeeded(): void {
    if (!this.state.ok) this.state = { ok: true, problem: null, errno: null, since: null };
  }

  failed(err: unknown): void {
    if (!(err instanceof StagegateError) || err.code !== 'E_STORE_UNAVAILABLE') return;
    const errno = typeof err.details.errno === 'string' ? err.details.errno : null;
    this.state = { ok: false, problem: err.message, errno, since: this.state.since ?? this.now() };
  }
}

export function corruptRecord(name: string, file: string, problem: string): StagegateError {
  // one line: the decoder's reasons are joined with "; ", and the text is capped
  const why = problem.length > 300 ? `${problem.slice(0, 300)}...` : problem;
  return new StagegateError('E_STORE_CORRUPT', `corrupt state record ${file}: ${why}`, {
    file,
    path: file,
    name,
  });
}

export function problemOf(name: string, file: string, err: unknown): StoreProblem {
  if (err instanceof StagegateError && (err.code === 'E_STORE_CORRUPT' || err.code === 'E_STORE_UNAVAILABLE'))
    return { name, code: err.code, message: err.message, path: file };
  const message = err instanceof Error ? err.message : String(err);
  return { name, code: 'E_STORE_IO', message, path: file };
}

/** what every store checks before a save: the caller's expected version is a whole number >= 0 */
export function checkExpectedVersion(expectedVersion: number): void {
  if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
    throw new StagegateError(
      'E_USAGE',
      `expectedVersion must be a whole number >= 0, got ${expectedVersion}`,
    );
  }
}

/** the optimistic-concurrency refusal, worded the same by every store */
export function conflictError(name: string, expectedVersion: number, storedVersion: number): StagegateError {
  return new StagegateError(
    'E_STORE_CONFLICT',
    `state of ${name} changed underneath: stored version is ${storedVersion}, expected ${expectedVersion}; reload and retry`,
    { name, expectedVersion, storedVersion },
  );
}
