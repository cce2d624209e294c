import type { Config } from './schema.js';

/*
 * Start-up checks of the environment a config needs (`stagegate run`): every
 * missing variable at once, rather than the first one per restart. Mirrors
 * the providers' own checks (DD_API_KEY / DD_APP_KEY for a Datadog provider
 * without `*KeyFile`, each `*Env` of a toggle provider or notifier without
 * its `*File` twin), which stay the authority. `server.tokenEnv` is not
 * required: an empty one makes the API read-only, so it is a warning.
 * Values are never echoed; a name that does not look like a variable name
 * (a secret pasted in the wrong place) is described by its key only.
 */

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const unset = (env: NodeJS.ProcessEnv, name: string): boolean => !env[name]?.trim();
const named = (key: string, name: string): string =>
  VARIABLE.test(name) ? `${name} (${key})` : `the variable named by ${key}`;

function envKeys(
  section: string,
  entries: Readonly<Record<string, object>>,
  env: NodeJS.ProcessEnv,
): string[] {
  const out: string[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    const fields = entry as Readonly<Record<string, unknown>>;
    for (const [key, value] of Object.entries(fields)) {
      if (!key.endsWith('Env') || typeof value !== 'string') continue;
      if (fields[`${key.slice(0, -3)}File`] !== undefined) continue;
      if (unset(env, value)) out.push(named(`${section}.${name}.${key}`, value));
    }
  }
  return out;
}

/** Every variable the config needs and the environment lacks (unset or blank), in config order. */
export function missingEnvironment(config: Config, env: NodeJS.ProcessEnv): string[] {
  // the Datadog keys are one pair for every Datadog provider: each is named once, for the first
  const keys = new Map<string, string>();
  for (const [name, m] of Object.entries(config.metrics)) {
    if (m.type !== 'datadog') continue;
    if (m.apiKeyFile === undefined && unset(env, 'DD_API_KEY') && !keys.has('DD_API_KEY'))
      keys.set('DD_API_KEY', `DD_API_KEY (metrics.${name})`);
    if (m.appKeyFile === undefined && unset(env, 'DD_APP_KEY') && !keys.has('DD_APP_KEY'))
      keys.set('DD_APP_KEY', `DD_APP_KEY (metrics.${name})`);
  }
  return [
    ...keys.values(),
    ...envKeys('toggles', config.toggles, env),
    ...envKeys('notifiers', config.notifiers, env),
  ];
}

/** What start-up should warn about, as log fields and a constant message. */
export function startupWarnings(
  config: Config,
  env: NodeJS.ProcessEnv,
): { fields: Record<string, unknown>; message: string }[] {
  const { enabled, tokenEnv, tokenFile } = config.server;
  if (!enabled || tokenEnv === undefined || tokenFile !== undefined || !unset(env, tokenEnv)) return [];
  return [
    {
      fields: { key: 'server.tokenEnv', variable: VARIABLE.test(tokenEnv) ? tokenEnv : null },
      message: 'server.tokenEnv names an empty variable: the API and status page are read-only',
    },
  ];
}
