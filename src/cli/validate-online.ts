import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import { featureMissing } from '../ports/toggle-checks.js';
import { formatExposure } from '../ports/toggle-exposure.js';
import type { ToggleProvider, ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';

/*
 * `validate --online` (issue 13): reads each rollout's feature from its toggle
 * provider and writes nothing. Does it exist (a gate write would create it),
 * and what exposes users now (every gate, OR-ed)? `query` shows the same line.
 */

/** Codes that mean "the provider could not be asked", as opposed to a feature that is missing. */
const UNREACHABLE: ReadonlySet<string> = new Set([
  'E_PROVIDER_UNREACHABLE',
  'E_PROVIDER_AUTH',
  'E_PROVIDER_RATE_LIMITED',
  'E_PROVIDER_RESPONSE',
  'E_TOGGLE_MISMATCH',
]);

export interface OnlineRow {
  readonly rollout: string;
  readonly provider: string;
  readonly feature: string;
  /** null when the provider could not be read */
  readonly state: ToggleState | null;
  /** `feature <name> does not exist in <provider>`, when the rollout would be refused */
  readonly missing: string | null;
  /** the provider's error, when it could not be read */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** The toggle line of one rollout: what `query` and `validate --online` print. */
export async function readRolloutToggle(
  rollout: Rollout,
  provider: ToggleProvider,
  signal?: AbortSignal,
): Promise<OnlineRow> {
  const { feature } = rollout.toggle;
  const base = { rollout: rollout.name, provider: provider.name, feature };
  try {
    const state = await provider.read(feature, signal);
    const missing = featureMissing(state, {
      provider: provider.name,
      feature,
      create: rollout.toggle.create,
    });
    return { ...base, state, missing, error: null };
  } catch (err) {
    const code = err instanceof StagegateError ? err.code : 'E_UNEXPECTED';
    const message = err instanceof Error ? err.message : String(err);
    return { ...base, state: null, missing: null, error: { code, message } };
  }
}

export async function checkOnline(
  rollouts: readonly Rollout[],
  providerFor: (name: string) => ToggleProvider,
  logger?: Logger,
): Promise<OnlineRow[]> {
  const rows = await Promise.all(rollouts.map((r) => readRolloutToggle(r, providerFor(r.toggle.provider))));
  for (const row of rows) {
    if (row.error) logger?.debug({ rollout: row.rollout, code: row.error.code }, 'toggle read failed');
  }
  return rows;
}

/** One line per rollout: `<rollout>: <provider> <feature>: <exposure | missing | error>`. */
export function formatOnlineRow(row: OnlineRow): string {
  const head = `${row.rollout}: ${row.provider} ${row.feature}`;
  if (row.error) return `${head}: cannot read: ${row.error.code}: ${row.error.message}`;
  if (row.missing)
    return `${head}: ${row.missing} (a gate write would create it; toggle.create: true opts in)`;
  if (row.state && !row.state.exists)
    return `${head}: does not exist yet (toggle.create: true, the first write creates it)`;
  return `${head}: exists, ${row.state ? formatExposure(row.state) : 'unknown'}`;
}

/** Exit 3 when any provider could not be read, else 1 when any feature is missing, else 0. */
export function onlineExitCode(rows: readonly OnlineRow[]): 0 | 1 | 3 {
  if (rows.some((r) => r.error !== null && UNREACHABLE.has(r.error.code))) return 3;
  if (rows.some((r) => r.missing !== null || r.error !== null)) return 1;
  return 0;
}

/**
 * The toggle line for `query`: a provider that cannot even be built (a
 * missing token variable, an unknown name) is reported on the line, not thrown,
 * because `query` is about the metrics first.
 */
export async function readConfiguredToggle(
  rollout: Rollout,
  build: (name: string) => ToggleProvider,
): Promise<OnlineRow> {
  try {
    return await readRolloutToggle(rollout, build(rollout.toggle.provider));
  } catch (err) {
    const code = err instanceof StagegateError ? err.code : 'E_UNEXPECTED';
    const message = err instanceof Error ? err.message : String(err);
    const { provider, feature } = rollout.toggle;
    return { rollout: rollout.name, provider, feature, state: null, missing: null, error: { code, message } };
  }
}
