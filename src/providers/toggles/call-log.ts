import { performance } from 'node:perf_hooks';
import { StagegateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Gate } from '../../ports/toggle-provider.js';

/*
 * One log line per provider call, whatever the provider: on-call reads these
 * to answer "what did stagegate do to the toggle, and did it work". Writes log
 * at info, reads (one per check) at debug, failures at warn. Only the fields
 * below are logged: never a URL with credentials, never a header.
 */

export type ToggleAction = 'read' | 'set' | 'disable' | 'enable';

export interface CallFields {
  readonly provider: string;
  readonly feature: string;
  readonly action: ToggleAction;
  /** the percent asked for (set), the mode (disable), or null */
  readonly value: number | string | null;
  readonly gate?: Gate;
}

/** What the call reports back while it runs: the last HTTP status and how many attempts it took. */
export interface CallNotes {
  status: number | null;
  attempts: number;
  /** webhook: where the returned state came from (echo, stateUrl, assumed) */
  stateSource?: string;
}

export async function loggedCall<T>(
  logger: Logger,
  fields: CallFields,
  run: (notes: CallNotes) => Promise<T>,
): Promise<T> {
  const notes: CallNotes = { status: null, attempts: 0 };
  const started = performance.now();
  try {
    const result = await run(notes);
    const line = { ...fields, ...notes, durationMs: Math.round(performance.now() - started) };
    if (fields.action === 'read') logger.debug(line, 'toggle call');
    else logger.info(line, 'toggle call');
    return result;
  } catch (err) {
    const code = err instanceof StagegateError ? err.code : 'E_UNEXPECTED';
    const message = err instanceof Error ? err.message : String(err);
    logger.warn(
      { ...fields, ...notes, durationMs: Math.round(performance.now() - started), code, err: message },
      'toggle call failed',
    );
    throw err;
  }
}

export function callFields(
  provider: string,
  feature: string,
  action: ToggleAction,
  value: number | string | null,
  gate?: Gate,
): CallFields {
  return gate === undefined
    ? { provider, feature, action, value }
    : { provider, feature, action, value, gate };
}
