import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/*
 * The import rules of DESIGN.md §9 (.config/eslint-boundaries.js) fail on a
 * forbidden import, type-only ones included, and pass the allowed direction.
 * Virtual files are linted under src/ so the rule classifies them as the
 * layer they pretend to be in.
 */

const root = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root, overrideConfigFile: resolve(root, '.config/eslint.config.js') });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('import direction (DESIGN.md §9)', () => {
  it.each([
    [
      'src/engine/x.ts',
      "import type { Runner } from '../runtime/runner.js';\nexport type X = Runner;\n",
      'engine',
      'runtime',
    ],
    [
      'src/runtime/x.ts',
      "import { createController } from '../controller/controller.js';\nexport const x = createController;\n",
      'runtime',
      'controller',
    ],
    [
      'src/controller/x.ts',
      "import type { ServerDeps } from '../server/deps.js';\nexport type X = ServerDeps;\n",
      'controller',
      'server',
    ],
    [
      'src/server/x.ts',
      "import type { Controller } from '../controller/controller.js';\nexport type X = Controller;\n",
      'server',
      'controller',
    ],
    [
      'src/store/x.ts',
      "import type { Runner } from '../runtime/runner.js';\nexport type X = Runner;\n",
      'store',
      'runtime',
    ],
    [
      'src/providers/x.ts',
      "import { register } from '../cli/commands/run.js';\nexport const x = register;\n",
      'providers',
      'cli',
    ],
  ])('%s may not import %s', async (file, code, from, to) => {
    expect(await problems(file, code)).toEqual([
      `boundaries/dependencies: There is no policy allowing dependencies from elements of type "${from}" to elements of type "${to}"`,
    ]);
  });

  it('the engine uses no node:*, pino, logger, process or fetch', async () => {
    const code = [
      "import { readFile } from 'node:fs/promises';",
      "import { silentLogger } from '../log.js';",
      'export const x = [readFile, silentLogger, process.env, fetch];',
      '',
    ].join('\n');
    expect((await problems('src/engine/x.ts', code)).map((p) => p.split(':')[0])).toEqual([
      'no-restricted-imports',
      'no-restricted-imports',
      'no-restricted-globals',
      'no-restricted-globals',
    ]);
  });

  it('allows the direction of the arrows', async () => {
    const code =
      "import type { Rollout } from '../rollout/types.js';\nimport { decide } from '../engine/decide.js';\nimport type { StateStore } from '../ports/state-store.js';\nexport type X = [Rollout, StateStore];\nexport const x = decide;\n";
    expect(await problems('src/runtime/x.ts', code)).toEqual([]);
  });
});
