import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * Tests mirror src/ file for file (issue 12): the test of src/a/b.ts is
 * test/a/b.test.ts, so a reader finds a module's test without searching and a
 * new module without one fails here. Modules that compile to nothing (types
 * and interfaces only) have no behaviour to test and are exempt.
 */

const root = resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** true when the module emits code: what TypeScript leaves after erasing types */
function hasRuntimeCode(source: string): boolean {
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, removeComments: true },
  }).outputText;
  return js.replace(/export\s*\{\s*\};?/g, '').trim() !== '';
}

describe('tests mirror src/', () => {
  it('tells a type-only module from one with behaviour', () => {
    expect(hasRuntimeCode('export interface A { x: number }\nexport type B = A;\n')).toBe(false);
    expect(hasRuntimeCode("export type { A } from './a.js';\n")).toBe(false);
    expect(hasRuntimeCode('export const x = 1;\n')).toBe(true);
    expect(hasRuntimeCode("export { x } from './x.js';\n")).toBe(true);
  });

  it('every module with behaviour has test/<same path>.test.ts', () => {
    const missing = sources(join(root, 'src'))
      .filter((file) => hasRuntimeCode(readFileSync(file, 'utf8')))
      .map((file) => relative(join(root, 'src'), file))
      .filter((rel) => !existsSync(join(root, 'test', rel.replace(/\.ts$/, '.test.ts'))));
    expect(missing).toEqual([]);
  });
});
