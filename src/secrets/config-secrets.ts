import { registerSecret, registerUrlCredentials } from './scrubber.js';
import { looksLikeVariableName } from './secret-source.js';

/*
 * Fills the scrubber from a loaded config, before anything can log or fail:
 * the value of every variable a `*Env` key names, the Datadog keys, the
 * password of a database URL in the environment, the credentials of any URL
 * in the config (the schema refuses them in provider URLs, but the message
 * that says so must not quote them), and a `*Env` value that is not a
 * variable name at all (a secret pasted in the wrong place). `*File` secrets
 * are registered when their file is read (secret-source.ts).
 */

/** Variables that hold secrets whatever the config says. */
export const SECRET_VARIABLES = ['DD_API_KEY', 'DD_APP_KEY'] as const;
/** Variables that may hold a URL with a password. */
export const URL_VARIABLES = ['DATABASE_URL'] as const;

const MAX_DEPTH = 32;

export function registerConfigSecrets(
  data: unknown,
  env: Readonly<Record<string, string | undefined>>,
): void {
  for (const name of SECRET_VARIABLES) registerSecret(env[name]);
  for (const name of URL_VARIABLES) registerUrlCredentials(env[name]);
  walk(data, env, 0);
}

function walk(node: unknown, env: Readonly<Record<string, string | undefined>>, depth: number): void {
  if (depth > MAX_DEPTH || typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string') {
      if (key.endsWith('Env')) {
        registerSecret(env[value]);
        registerUrlCredentials(env[value]);
        if (!looksLikeVariableName(value)) registerSecret(value);
      }
      if (value.includes('@')) registerUrlCredentials(value);
    } else {
      walk(value, env, depth + 1);
    }
  }
}
