import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import ts from 'typescript';
import type { RolloutRecord } from '../../src/ports/state-store.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function record(name: string, overrides: Partial<RolloutRecord> = {}): RolloutRecord {
  return {
    name,
    version: 0,
    specHash: 'sha256:abc',
    snapshot: { machine: 1, value: 'running' },
    intent: null,
    summary: { state: 'running', stage: 'canary', stageIndex: 0, percent: 2, reason: null, lastCheck: null },
    updatedAt: 1_750_000_000_000,
    ...overrides,
  };
}

/** a pino logger whose lines land in `lines`, parsed */
export function captureLogger(): {
  logger: Logger;
  readonly lines: Record<string, unknown>[];
  text: () => string;
} {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return {
    logger,
    text: () => raw.join(''),
    get lines() {
      return raw
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

/**
 * Child processes run plain node, which cannot import our TypeScript. Transpile
 * `entry` and every module it imports relatively into a throwaway directory
 * under node_modules/.cache, so bare imports (pino, zod) still resolve from the
 * project's node_modules. Returns the directory; the entry is at the same
 * relative path with `.js`.
 */
export async function transpileForChild(entries: readonly string[]): Promise<string> {
  const cache = join(repoRoot, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const out = await mkdtemp(join(cache, 'stagegate-test-'));
  await writeFile(join(out, 'package.json'), '{"type":"module"}\n');
  const queue = entries.map((e) => resolve(repoRoot, e));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop();
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const target = join(out, relative(repoRoot, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
    for (const match of outputText.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      if (match[1] !== undefined) queue.push(resolve(dirname(file), `${match[1]}.ts`));
    }
  }
  return out;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
