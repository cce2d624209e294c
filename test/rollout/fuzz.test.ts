import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SpecError } from '../../src/rollout/errors.js';
import { parseRolloutText } from '../../src/rollout/loader.js';

/*
 * Random damage to valid rollout files must only ever produce a Rollout or a
 * SpecError whose problems point inside the file: never a TypeError, a
 * RangeError from a regex or Intl, or a position past the end.
 */

const SOURCES = [
  'rollouts/event-bus-gateway-emails.yaml',
  'rollouts/vre-eligibility-status-updates.yaml',
  'test/fixtures/valid/minimal-full.yaml',
  'test/fixtures/valid/cron-and-events.yaml',
].map((path) => readFileSync(path, 'utf8'));

const RUNS = { numRuns: 200 };

function assertOnlySpecErrors(text: string): void {
  let caught: unknown;
  try {
    const rollout = parseRolloutText(text, 'fuzz.yaml');
    expect(typeof rollout.name).toBe('string');
    expect(rollout.specHash).toMatch(/^[0-9a-f]{64}$/);
    return;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SpecError);
  const lines = text.split('\n').length;
  for (const p of (caught as SpecError).problems) {
    expect(p.path).toBe('fuzz.yaml');
    expect(p.message.length).toBeGreaterThan(0);
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.line).toBeLessThanOrEqual(lines + 1);
    expect(p.col).toBeGreaterThanOrEqual(1);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

function paths(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function mutate(root: Json, path: Path, op: 'delete' | 'retype' | 'rename', replacement: Json): Json {
  if (path.length === 0) return op === 'retype' ? replacement : root;
  const copy = structuredClone(root);
  let parent: Json = copy;
  for (const seg of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[seg] as Json;
  const last = path[path.length - 1] as string | number;
  const container = parent as Record<string | number, Json>;
  if (op === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete container[last];
  } else if (op === 'retype') {
    container[last] = replacement;
  } else if (!Array.isArray(parent)) {
    container[`${String(last)}x`] = container[last] as Json;
    delete container[last];
  }
  return copy;
}

describe('fuzzing the loader', () => {
  it('survives deleted, retyped and renamed keys', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SOURCES),
        fc.nat(),
        fc.constantFrom('delete', 'retype', 'rename'),
        fc.jsonValue({ maxDepth: 2 }),
        (source, pick, op, replacement) => {
          const data = parse(source) as Json;
          const all = paths(data);
          const target = all[pick % all.length] as Path;
          assertOnlySpecErrors(stringify(mutate(data, target, op, replacement as Json)));
        },
      ),
      RUNS,
    );
  });

  it('survives duplicated and deleted lines', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), fc.nat(), fc.boolean(), (source, pick, duplicate) => {
        const lines = source.split('\n');
        const i = pick % lines.length;
        if (duplicate) lines.splice(i, 0, lines[i] ?? '');
        else lines.splice(i, 1);
        assertOnlySpecErrors(lines.join('\n'));
      }),
      RUNS,
    );
  });

  it('survives truncation at any point', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), fc.nat(), (source, cut) => {
        assertOnlySpecErrors(source.slice(0, cut % (source.length + 1)));
      }),
      RUNS,
    );
  });

  it('survives random bytes written over the text', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SOURCES),
        fc.array(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })), {
          minLength: 1,
          maxLength: 5,
        }),
        (source, edits) => {
          let bytes = Buffer.from(source, 'utf8');
          for (const [at, chunk] of edits) {
            const i = at % (bytes.length + 1);
            bytes = Buffer.concat([
              bytes.subarray(0, i),
              Buffer.from(chunk),
              bytes.subarray(i + chunk.length),
            ]);
          }
          assertOnlySpecErrors(bytes.toString('utf8'));
        },
      ),
      RUNS,
    );
  });

  it('survives YAML-significant characters inserted anywhere', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SOURCES),
        fc.nat(),
        fc.constantFrom(
          '&a ',
          '*a',
          '!!',
          '{',
          '}',
          '[',
          ']',
          ':',
          '- ',
          '\t',
          '"',
          "'",
          '#',
          '%',
          '---\n',
          '? ',
          '|',
          '>',
          '<<: ',
        ),
        (source, at, insert) => {
          const i = at % (source.length + 1);
          assertOnlySpecErrors(source.slice(0, i) + insert + source.slice(i));
        },
      ),
      RUNS,
    );
  });

  it('survives any JSON value as the whole document', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assertOnlySpecErrors(stringify(value));
      }),
      RUNS,
    );
  });
});
