import {
  LineCounter,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLError,
} from 'yaml';
import type { Problem } from './errors.js';
import { issueText, type SpecIssue } from './issue.js';

/*
 * Reading YAML that people write and attackers could write: every syntax
 * error, duplicate key and guard violation becomes a Problem with a line and
 * column, and issues found later in the data are traced back to the node
 * they came from.
 */

/** Rollout and config files are a page or two; anything near this is a mistake or an attack. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** A real file uses a handful of aliases; a "billion laughs" file needs thousands. */
export const MAX_ALIAS_COUNT = 64;

export interface YamlSource {
  readonly path: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** the document as plain data (maps → objects with string keys) */
  readonly data: unknown;
}

export type YamlParse =
  { readonly ok: true; readonly source: YamlSource } | { readonly ok: false; readonly problems: Problem[] };

/** What a document must hold at the top, for the "expected ..." message: e.g. "a rollout mapping". */
export function parseYamlSource(text: string, path: string, expected: string): YamlParse {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES) return fail(path, `file is too large: ${bytes} bytes, the limit is 1 MiB`);

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const at = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);
  // after the first syntax error the parser's later complaints are mostly echoes of it;
  // duplicate keys are independent mistakes and all worth reporting
  const errors = [...doc.errors, ...doc.warnings];
  const firstSyntax = errors.find((e) => e.code !== 'DUPLICATE_KEY');
  const reported = errors.filter((e) => e.code === 'DUPLICATE_KEY' || e === firstSyntax);
  const yamlProblems = reported.map((e) => ({ path, ...at(e.pos[0]), message: yamlMessage(e, doc) }));
  if (yamlProblems.length > 0) return { ok: false, problems: yamlProblems };

  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    return fail(path, `file is empty: expected ${expected}`);
  }
  if (!isMap(contents)) {
    const got = isSeq(contents) ? 'a list' : 'a single value';
    return {
      ok: false,
      problems: [
        { path, ...at(contents.range[0]), message: `expected ${expected} at the top level, got ${got}` },
      ],
    };
  }

  const collectionKey = firstCollectionKey(doc);
  if (collectionKey !== undefined) {
    return {
      ok: false,
      problems: [
        { path, ...at(collectionKey), message: 'a key must be a plain value, not a list or mapping' },
      ],
    };
  }

  try {
    const data: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return { ok: true, source: { path, text, doc, lineCounter, data } };
  } catch (err) {
    // yaml throws ReferenceError for alias bombs and unresolved aliases
    const offset = firstAliasOffset(doc) ?? 0;
    const reason = err instanceof Error ? err.message : String(err);
    const message = /excessive alias count/i.test(reason)
      ? `too many aliases (more than ${MAX_ALIAS_COUNT} expansions): refusing a possible alias bomb`
      : `invalid YAML: ${reason}`;
    return { ok: false, problems: [{ path, ...at(offset), message }] };
  }
}

function fail(path: string, message: string): YamlParse {
  return { ok: false, problems: [{ path, line: 1, col: 1, message }] };
}

function yamlMessage(e: YAMLError, doc: Document.Parsed): string {
  switch (e.code) {
    case 'DUPLICATE_KEY':
      return `duplicate key "${keyAt(doc, e.pos[0]) ?? '?'}"`;
    case 'MULTIPLE_DOCS':
      return 'a file holds one YAML document: remove the second "---" or split the file';
    default:
      return `invalid YAML: ${e.message}`;
  }
}

/** The text of the mapping key that starts at `offset` (yaml reports only where a duplicate is). */
function keyAt(doc: Document.Parsed, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Keys like `? [a, b]` would be stringified by toJS (with a process warning); refuse them instead. */
function firstCollectionKey(doc: Document.Parsed): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (isCollection(pair.key)) {
        offset = pair.key.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

function firstAliasOffset(doc: Document.Parsed): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/** Turns an issue found in `source.data` into a Problem at the node it is about. */
export function problemAt(source: YamlSource, issue: SpecIssue): Problem {
  const offset = issueOffset(source, issue);
  return { path: source.path, ...source.lineCounter.linePos(offset), message: issueText(issue) };
}

function issueOffset(source: YamlSource, issue: SpecIssue): number {
  const { doc } = source;
  const root = doc.contents;
  if (!isNode(root)) return 0;
  const trail = walk(doc, root, issue.path);
  const reached = trail.length === issue.path.length;
  const last = trail[trail.length - 1];

  if (issue.at === 'key' && reached && last?.pair) return keyOffset(last.pair) ?? nodeOffset(last.node) ?? 0;
  if (!reached) return fallbackOffset(trail, root);

  const node = last?.node ?? root;
  if (issue.at === 'parent') return nodeOffset(node) ?? 0;
  // an empty value (`key:`) has no text of its own: point at its key
  if (isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1] && last?.pair) {
    return keyOffset(last.pair) ?? 0;
  }
  const start = nodeOffset(node) ?? 0;
  if (issue.column !== undefined && isScalar(node)) return start + columnShift(node.type, issue.column);
  return start;
}

/**
 * Offset of a 1-based column of a scalar's value from the scalar's start:
 * past the opening quote for quoted scalars; block scalars (| >) start on the
 * next line, so they are pointed at as a whole.
 */
function columnShift(type: string | undefined, column: number): number {
  if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') return column;
  if (type === 'PLAIN') return column - 1;
  return 0;
}

interface Step {
  readonly node: Node | null;
  readonly pair: Pair | undefined;
}

/** The nodes along `path`, as far as they exist. */
function walk(doc: Document.Parsed, root: Node, path: readonly (string | number)[]): Step[] {
  const steps: Step[] = [];
  let current: unknown = root;
  for (const seg of path) {
    if (isAlias(current)) current = current.resolve(doc);
    if (isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && keyString(p.key) === String(seg));
      if (!pair) break;
      current = pair.value;
      steps.push({ node: isNode(pair.value) ? pair.value : null, pair });
    } else if (isSeq(current) && typeof seg === 'number') {
      const item = current.items[seg];
      if (!isNode(item)) break;
      current = item;
      steps.push({ node: item, pair: undefined });
    } else {
      break;
    }
  }
  return steps;
}

function keyString(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function keyOffset(pair: Pair): number | undefined {
  return isNode(pair.key) ? pair.key.range?.[0] : undefined;
}

function nodeOffset(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

/** The deepest part of the path that exists: its key, so a reader sees which entry is meant. */
function fallbackOffset(trail: readonly Step[], root: Node): number {
  for (let i = trail.length - 1; i >= 0; i--) {
    const step = trail[i];
    const off = (step?.pair ? keyOffset(step.pair) : undefined) ?? nodeOffset(step?.node);
    if (off !== undefined) return off;
  }
  return nodeOffset(root) ?? 0;
}
