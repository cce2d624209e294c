/*
 * The one scrubber of the program. Every secret the process holds — the
 * Datadog keys, every `*Env` / `*File` secret value, the API token, the
 * password of a database URL — is registered here when it is read (config
 * load, a rotated file re-read), and every text that leaves the process
 * (log lines, errors, provider answers written to history, status, reports,
 * API answers) goes through `scrub`. Registered values are never removed:
 * after a rotation the old secret can still appear in a server's echo, a
 * cached error or a log line of a request in flight, and it is still a
 * credential until it is revoked.
 *
 * Pure (no node:*), so the engine, the logger and error classes can all use it.
 */

export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not scrubbed: replacing every "ab" in a text
 * would make it unreadable, and a 3-character secret protects nothing anyway.
 */
export const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();
/** longest first, so a secret that contains another is replaced whole */
let ordered: readonly string[] = [];

/** Adds a secret, with its URL-encoded and JSON-escaped forms. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const forms = new Set([value, value.trim()]);
  for (const form of [...forms]) {
    // as it appears in URLs and form bodies, and inside a JSON string (a log line, a history file)
    const encoded = encodeURIComponent(form);
    if (encoded !== form) forms.add(encoded);
    const escaped = JSON.stringify(form).slice(1, -1);
    if (escaped !== form) forms.add(escaped);
  }
  let added = false;
  for (const form of forms) {
    if (form.length < MIN_SECRET_LENGTH || secrets.has(form)) continue;
    secrets.add(form);
    added = true;
  }
  if (added) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * A URL's userinfo is a credential: registers its password (and a user name
 * alone in an http(s) URL, as in https://TOKEN@host). Returns nothing; a text
 * that is not a URL is ignored.
 */
export function registerUrlCredentials(url: string | undefined): void {
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return;
  }
  if (parsed.password !== '') {
    registerSecret(parsed.password);
    registerSecret(safeDecode(parsed.password));
  } else if (parsed.username !== '' && /^https?:$/.test(parsed.protocol)) {
    // https://TOKEN@host carries a token; a database URL's user name is a role
    // name ("postgres"), and scrubbing it would blank every mention of the word
    registerSecret(parsed.username);
    registerSecret(safeDecode(parsed.username));
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Every registered secret in `text` replaced by [redacted]. */
export function scrub(text: string): string {
  if (ordered.length === 0 || text.length < MIN_SECRET_LENGTH) return text;
  let out = text;
  for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** `scrub` plus the given values (e.g. a provider's own keys before they were registered). */
export function scrubWith(text: string, extra: readonly string[]): string {
  let out = scrub(text);
  for (const secret of extra) {
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * A copy of a JSON-like value with every string (keys included) scrubbed:
 * for history entries, status and API answers. Values that hold no secret
 * come back as the same object, so the common case allocates nothing.
 */
export function scrubDeep<T>(value: T): T {
  return scrubValue(value, 0) as T;
}

const MAX_DEPTH = 64;

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (ordered.length === 0 || typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item: unknown) => {
      const next = scrubValue(item, depth + 1);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let changed = false;
  const out: Record<string, unknown> = Object.create(proto) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) {
    const nextKey = scrub(key);
    const next = scrubValue(item, depth + 1);
    if (next !== item || nextKey !== key) changed = true;
    out[nextKey] = next;
  }
  return changed ? out : value;
}

/** Whether any secret is registered (a cheap guard for hot paths). */
export function hasSecrets(): boolean {
  return ordered.length > 0;
}

/** Tests only: forget every secret. */
export function resetSecretsForTests(): void {
  secrets.clear();
  ordered = [];
}
