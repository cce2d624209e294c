import { isNode, isPair, isScalar, isSeq, visit, type Document, type Node, type Pair } from 'yaml';
import type { SpecIssue } from '../rollout/issue.js';

/*
 * `${VAR}` in config values, resolved on the YAML tree rather than the raw
 * text: a variable's value can never inject YAML structure, keys are never
 * interpolated, and an error still points at the scalar it came from.
 *
 *   ${NAME}            the variable; an error when it is not set
 *   ${NAME:-default}   the default when the variable is unset or empty
 *   $${                a literal "${"
 */

const REFERENCE = /\$\$\{|\$\{([^}]*)(\}?)/g;
const BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

export type InterpolateResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly column: number; readonly message: string };

/** Interpolates one string; the column of an error is 1-based within `text`. */
export function interpolate(text: string, env: NodeJS.ProcessEnv): InterpolateResult {
  let failure: { column: number; message: string } | undefined;
  // every unset variable of the value, so one start names them all (a syntax error stops at once)
  const missing: { column: number; name: string }[] = [];
  const value = text.replace(
    REFERENCE,
    (match: string, body: string | undefined, close: string, offset: number) => {
      if (match === '$${') return '${';
      if (failure !== undefined) return match;
      const column = offset + 1;
      if (close !== '}') {
        failure = { column, message: 'unclosed "${": write ${NAME}, or $${ for a literal "${"' };
        return match;
      }
      const m = BODY.exec(body ?? '');
      const name = m?.[1];
      if (m === null || name === undefined) {
        failure = {
          column,
          message: `"\${${body ?? ''}}" is not a variable reference: write \${NAME} or \${NAME:-default}`,
        };
        return match;
      }
      const fallback = m[2];
      const set = env[name];
      if (set !== undefined && !(set === '' && fallback !== undefined)) return set;
      if (fallback !== undefined) return fallback;
      missing.push({ column, name });
      return match;
    },
  );
  if (failure !== undefined) return { ok: false, ...failure };
  const first = missing[0];
  if (first === undefined) return { ok: true, value };
  const names = [...new Set(missing.map((m) => m.name))];
  const message =
    names.length === 1
      ? `environment variable ${first.name} is not set (or give a default: \${${first.name}:-...})`
      : `environment variables ${names.slice(0, -1).join(', ')} and ${names.at(-1)} are not set (or give defaults: \${${first.name}:-...})`;
  return { ok: false, column: first.column, message };
}

const NUMBER = /^-?\d+(?:\.\d+)?$/;
const WHOLE_REFERENCE = /^\$\{[^}]*\}$/;

/**
 * Interpolates every string value of `doc` in place; returns the problems.
 * A value that is exactly one reference is retyped when the result is a
 * number or true/false, so `port: "${PORT:-8080}"` is a number; text around
 * a reference keeps it a string.
 */
export function interpolateDocument(doc: Document.Parsed, env: NodeJS.ProcessEnv): SpecIssue[] {
  const issues: SpecIssue[] = [];
  visit(doc, {
    Scalar(key, node, ancestry) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const result = interpolate(node.value, env);
      if (!result.ok) {
        issues.push({
          path: pathOf(ancestry, key),
          at: 'value',
          message: result.message,
          column: result.column,
        });
        return;
      }
      node.value = WHOLE_REFERENCE.test(node.value) ? retype(result.value) : result.value;
    },
  });
  return issues;
}

function retype(value: string): string | number | boolean {
  if (NUMBER.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/** The data path of a node from visit()'s ancestry (Document, maps, pairs, sequences). */
function pathOf(
  ancestry: readonly (Document | Node | Pair)[],
  key: number | 'key' | 'value' | null,
): (string | number)[] {
  const path: (string | number)[] = [];
  for (let i = 1; i < ancestry.length; i++) {
    const node = ancestry[i];
    const parent = ancestry[i - 1];
    if (isPair(node)) path.push(isScalar(node.key) ? String(node.key.value) : String(node.key));
    else if (isSeq(parent) && isNode(node)) path.push(parent.items.indexOf(node));
  }
  const last = ancestry[ancestry.length - 1];
  if (typeof key === 'number' && isSeq(last)) path.push(key);
  return path;
}
