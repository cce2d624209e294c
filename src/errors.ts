import { scrub, scrubDeep } from './secrets/scrubber.js';

/**
 * Every failure stagegate reports on purpose is a StagegateError with a stable
 * `code`, so the CLI can map it to an exit code and tests can assert on it
 * without matching message text.
 */
export type ErrorCode =
  | 'E_SPEC_INVALID'
  | 'E_CONFIG_INVALID'
  | 'E_USAGE'
  | 'E_PROVIDER_UNREACHABLE'
  | 'E_PROVIDER_AUTH'
  | 'E_PROVIDER_BAD_REQUEST'
  | 'E_PROVIDER_RATE_LIMITED'
  | 'E_PROVIDER_RESPONSE'
  | 'E_PROVIDER_TOO_LARGE'
  | 'E_PROVIDER_BAD_VALUE'
  | 'E_TOGGLE_NOT_FOUND'
  | 'E_TOGGLE_REJECTED'
  | 'E_TOGGLE_MISMATCH'
  | 'E_TOGGLE_FEATURE_MISSING'
  | 'E_STORE_CONFLICT'
  | 'E_STORE_LOCKED'
  | 'E_STORE_IO'
  /** a write by a replica that is no longer the leader (a newer lease epoch exists) */
  | 'E_FENCED'
  /** one record cannot be decoded: that rollout alone is affected */
  | 'E_STORE_CORRUPT'
  /** the store cannot write at all (disk full, read-only, out of descriptors): fail fast, typed */
  | 'E_STORE_UNAVAILABLE'
  /** a record the program built would not decode back (e.g. a fractional epoch): a bug, refused before it is saved */
  | 'E_RECORD_INVALID'
  /** `run --once` gave up retrying a rollback whose toggle write keeps failing: the toggle may still be on */
  | 'E_ROLLBACK_PENDING'
  | 'E_SNAPSHOT_INVALID'
  | 'E_COMMAND_REFUSED'
  | 'E_NOT_FOUND'
  | 'E_UNKNOWN_TYPE';

export class StagegateError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    // a message or detail may quote a provider's answer: no registered secret survives into an error
    super(scrub(message), options);
    this.name = 'StagegateError';
    this.code = code;
    this.details = scrubDeep(details);
  }
}

/** CLI exit codes, DESIGN.md §1: 0 ok, 1 invalid input or failed check, 2 usage, 3 provider/store unreachable. */
export function exitCodeFor(err: unknown): 1 | 2 | 3 {
  if (!(err instanceof StagegateError)) return 1;
  switch (err.code) {
    case 'E_USAGE':
      return 2;
    case 'E_PROVIDER_UNREACHABLE':
    case 'E_PROVIDER_AUTH':
    case 'E_PROVIDER_RATE_LIMITED':
    case 'E_PROVIDER_RESPONSE':
    case 'E_PROVIDER_TOO_LARGE':
    case 'E_PROVIDER_BAD_VALUE':
    case 'E_STORE_IO':
    case 'E_STORE_CORRUPT':
    case 'E_STORE_UNAVAILABLE':
    case 'E_STORE_LOCKED':
    case 'E_ROLLBACK_PENDING':
      return 3;
    default:
      return 1;
  }
}
