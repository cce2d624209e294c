import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { FileToggleProvider } from '../../../src/providers/toggles/file.js';
import { toggleProviderContract } from './contract.js';
import { failure } from '../../stagegate-error.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-toggles-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

toggleProviderContract('file', async () => {
  const path = join(await tempDir(), 'toggles.json');
  const provider = new FileToggleProvider({ name: 'local', path, logger: silentLogger() });
  return {
    provider,
    // A person editing the file by hand.
    setManually: async (feature, change) => {
      let file: Record<string, Record<string, unknown>> = {};
      try {
        file = (await readJson(path)) as typeof file;
      } catch {
        file = {};
      }
      file[feature] = { ...file[feature], ...change };
      await writeFile(path, JSON.stringify(file));
    },
  };
});

describe('FileToggleProvider', () => {
  let dir: string;
  let path: string;
  let provider: FileToggleProvider;
  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir, 'nested', 'toggles.json');
    provider = new FileToggleProvider({ name: 'local', path, logger: silentLogger() });
  });

  it('creates the directory and writes the documented format, keeping other features', async () => {
    await mkdir(join(dir, 'nested'));
    await writeFile(path, JSON.stringify({ other: { enabled: true } }));
    await provider.setPercent('ebg', 25, 'percentage_of_actors');
    expect(await readJson(path)).toEqual({
      other: { enabled: true, percentageOfActors: 0, percentageOfTime: 0, actors: [], groups: [] },
      ebg: { enabled: false, percentageOfActors: 25, percentageOfTime: 0, actors: [], groups: [] },
    });
  });

  it('creates a missing parent directory on the first write', async () => {
    await provider.setPercent('ebg', 2, 'percentage_of_time');
    expect(await readJson(path)).toEqual({
      ebg: { enabled: false, percentageOfActors: 0, percentageOfTime: 2, actors: [], groups: [] },
    });
  });

  it('does not lose a write when two run at once in one process', async () => {
    await Promise.all([
      provider.setPercent('a', 10, 'percentage_of_actors'),
      provider.setPercent('b', 20, 'percentage_of_actors'),
      provider.enable('c'),
    ]);
    expect(Object.keys((await readJson(path)) as object).sort()).toEqual(['a', 'b', 'c']);
  });

  it('keeps serving after a failed write', async () => {
    await expect(provider.setPercent('a', 101, 'percentage_of_actors')).rejects.toThrow(StagegateError);
    expect((await provider.setPercent('a', 10, 'percentage_of_actors')).percentageOfActors).toBe(10);
  });

  it('reports a file that is not JSON as E_PROVIDER_RESPONSE naming the file', async () => {
    await mkdir(join(dir, 'nested'));
    await writeFile(path, '{ "ebg": ');
    const err = await failure(provider.read('ebg'));
    expect(err.code).toBe('E_PROVIDER_RESPONSE');
    expect(err.message).toContain(path);
  });

  it('reports a misspelt key instead of ignoring it', async () => {
    await mkdir(join(dir, 'nested'));
    await writeFile(path, JSON.stringify({ ebg: { percentageOfActor: 25 } }));
    const err = await failure(provider.read('ebg'));
    expect(err.code).toBe('E_PROVIDER_RESPONSE');
    expect(err.details['issues']).toEqual([expect.stringContaining('percentageOfActor')]);
  });

  it('reports a path it cannot read as E_PROVIDER_UNREACHABLE', async () => {
    const onDir = new FileToggleProvider({ name: 'local', path: dir, logger: silentLogger() });
    const err = await failure(onDir.read('ebg'));
    expect(err.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(err.details['errno']).toBe('EISDIR');
  });
});
