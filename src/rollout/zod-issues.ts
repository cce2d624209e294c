import { z } from 'zod';
import type { SpecIssue } from './issue.js';
import { didYouMean } from './suggest.js';

/*
 * zod's issues, rewritten for people editing YAML: "missing required key",
 * "unknown key (did you mean ...)", "must be one of ...", each with the path
 * and the part of the node (key, value or parent mapping) to point at.
 */

type Path = readonly (string | number)[];
type ZodIssue = z.core.$ZodIssue;

export interface IssueOptions {
  /** quote the offending value in messages; off for config, whose values may come from secrets */
  readonly echoValues: boolean;
}

export function fromZodIssues(
  issues: readonly ZodIssue[],
  input: unknown,
  schema: z.core.$ZodType,
  opts: IssueOptions,
  base: Path = [],
): SpecIssue[] {
  return issues.flatMap((issue) =>
    convert(issue, input, schema, opts, [...base, ...issue.path.map(segment)]),
  );
}

function segment(key: PropertyKey): string | number {
  return typeof key === 'number' ? key : String(key);
}

function convert(
  issue: ZodIssue,
  input: unknown,
  schema: z.core.$ZodType,
  opts: IssueOptions,
  path: Path,
): SpecIssue[] {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, path);
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: 'key',
        message: `unknown key${didYouMean(key, known)}`,
      }));
    }
    case 'invalid_type': {
      const parentPath = path.slice(0, -1);
      const last = path[path.length - 1];
      const value = valueAt(input, path);
      if (value === undefined && typeof last === 'string' && isRecord(valueAt(input, parentPath))) {
        return [{ path: parentPath, at: 'parent', message: `missing required key "${last}"` }];
      }
      return [
        {
          path,
          at: 'value',
          message: `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(value)}`,
        },
      ];
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => String(v));
      const value = valueAt(input, path);
      const hint = typeof value === 'string' ? didYouMean(value, options) : '';
      const got = opts.echoValues ? `, got ${describeValue(value)}` : '';
      const what = options.length === 1 ? `"${options[0]}"` : `one of ${options.join(', ')}`;
      return [{ path, at: 'value', message: `must be ${what}${got}${hint}` }];
    }
    case 'too_small':
      return [{ path, at: 'value', message: tooSmall(issue) }];
    case 'too_big':
      return [{ path, at: 'value', message: tooBig(issue) }];
    case 'invalid_key': {
      const inner = issue.issues[0];
      return [{ path, at: 'key', message: inner?.message ?? 'is not a valid key' }];
    }
    case 'invalid_union':
      return unionIssues(issue, input, schema, opts, path);
    case 'custom': {
      const column = issue.params?.column;
      const base: SpecIssue = { path, at: 'value', message: issue.message };
      return [typeof column === 'number' ? { ...base, column } : base];
    }
    default:
      return [{ path, at: 'value', message: issue.message }];
  }
}

/**
 * A union failed every branch. When the value is a mapping, report the branch
 * the author evidently meant (the one that knows most of its keys), so
 * `{ numerator: ... }` says "missing denominator", not "missing query".
 * Otherwise the union's own message lists the choices.
 */
function unionIssues(
  issue: z.core.$ZodIssueInvalidUnion,
  input: unknown,
  schema: z.core.$ZodType,
  opts: IssueOptions,
  path: Path,
): SpecIssue[] {
  const value = valueAt(input, path);
  if ('options' in issue && issue.options !== undefined && issue.discriminator !== undefined) {
    // a discriminated union (config `type:`): the path already ends at the discriminator
    const last = path[path.length - 1];
    if (value === undefined && typeof last === 'string') {
      return [{ path: path.slice(0, -1), at: 'parent', message: `missing required key "${last}"` }];
    }
    const options = issue.options.map((o) => String(o));
    const hint = typeof value === 'string' ? didYouMean(value, options) : '';
    return [{ path, at: 'value', message: `must be one of ${options.join(', ')}${hint}` }];
  }
  if (isRecord(value)) {
    const keyCount = Object.keys(value).length;
    let best: { issues: readonly ZodIssue[]; matched: number } | undefined;
    for (const branch of issue.errors) {
      const unknown = branch
        .filter((i) => i.code === 'unrecognized_keys' && i.path.length === 0)
        .reduce((n, i) => n + (i.code === 'unrecognized_keys' ? i.keys.length : 0), 0);
      const matched = keyCount - unknown;
      if (
        !best ||
        matched > best.matched ||
        (matched === best.matched && branch.length < best.issues.length)
      ) {
        best = { issues: branch, matched };
      }
    }
    if (best && best.matched > 0) return fromZodIssues(best.issues, input, schema, opts, path);
  }
  return [{ path, at: 'value', message: issue.message }];
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return typeof value;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : describe(value);
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const { origin, inclusive } = issue;
  const min = String(issue.minimum);
  if (origin === 'array')
    return min === '1' ? 'must have at least 1 item' : `must have at least ${min} items`;
  if (origin === 'string') return min === '1' ? 'must not be empty' : `must be at least ${min} characters`;
  return `must be ${inclusive ? '>=' : '>'} ${min}`;
}

function tooBig(issue: z.core.$ZodIssueTooBig): string {
  const { origin, inclusive } = issue;
  const max = String(issue.maximum);
  if (origin === 'array') return `must have at most ${max} items`;
  if (origin === 'string') return `must be at most ${max} characters`;
  return `must be ${inclusive ? '<=' : '<'} ${max}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` in plain data, or undefined. */
export function valueAt(input: unknown, path: Path): unknown {
  let cur = input;
  for (const seg of path) {
    if (typeof seg === 'number' ? !Array.isArray(cur) : !isRecord(cur)) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** The keys a strict object at `path` accepts (all branches of a union), for "did you mean". */
export function knownKeys(schema: z.core.$ZodType, path: Path): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, path)) {
    if (s instanceof z.ZodObject) for (const k of Object.keys(s.shape)) keys.add(k);
  }
  return [...keys];
}

function schemasAt(schema: z.core.$ZodType, path: Path): z.core.$ZodType[] {
  let current = unwrap(schema);
  for (const seg of path) {
    current = current.flatMap((s) => unwrap(child(s, seg)));
  }
  return current;
}

/** Through optional/default/pipe wrappers, and into every branch of a union. */
function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType[] {
  if (schema === undefined) return [];
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodNullable) {
    return unwrap(schema.unwrap());
  }
  if (schema instanceof z.ZodPipe) return unwrap(schema.in);
  if (schema instanceof z.ZodUnion) return schema.options.flatMap((o: z.core.$ZodType) => unwrap(o));
  return [schema];
}

function child(schema: z.core.$ZodType, seg: string | number): z.core.$ZodType | undefined {
  if (schema instanceof z.ZodObject && typeof seg === 'string')
    return (schema.shape as Record<string, z.core.$ZodType>)[seg];
  if (schema instanceof z.ZodArray && typeof seg === 'number') return schema.element;
  if (schema instanceof z.ZodRecord) return schema.valueType;
  return undefined;
}
