import { createHash, timingSafeEqual } from 'node:crypto';

/*
 * Bearer-token check for mutating API calls. The token comes from the
 * environment variable named by `server.tokenEnv`; it is never logged and
 * never echoed in a response. Both sides are hashed first so the comparison
 * is over equal-length buffers (timingSafeEqual requires it) and its time does
 * not depend on where the first differing byte is, nor on the token length.
 */

export interface AuthConfig {
  /** the configured token; undefined → mutations are disabled */
  readonly token: string | undefined;
  /** the env var name, for the "how to enable" message */
  readonly tokenEnv: string | undefined;
}

export type AuthResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401 | 403; readonly code: string; readonly message: string };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function checkBearer(auth: AuthConfig, header: string | undefined): AuthResult {
  if (auth.token === undefined || auth.token === '') {
    const how = auth.tokenEnv
      ? `set the environment variable ${auth.tokenEnv} to a secret token and restart stagegate`
      : 'set server.tokenEnv in the config to the name of an environment variable holding a secret token, set that variable, and restart stagegate';
    return {
      ok: false,
      status: 403,
      code: 'E_API_READ_ONLY',
      message: `the API is read-only: to enable commands, ${how}`,
    };
  }
  const match = header === undefined ? null : BEARER.exec(header);
  if (!match?.[1]) {
    return {
      ok: false,
      status: 401,
      code: 'E_UNAUTHORIZED',
      message: 'missing "Authorization: Bearer <token>" header',
    };
  }
  if (!tokensEqual(match[1], auth.token)) {
    return { ok: false, status: 401, code: 'E_UNAUTHORIZED', message: 'invalid token' };
  }
  return { ok: true };
}
