import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRolloutByName } from '../../src/report/find-rollout.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-find-rollout-'));
  // the file name differs from the rollout's name: the lookup goes by `name:`
  await writeFile(join(dir, 'emails.yaml'), rolloutYaml({ name: 'ebg-emails' }));
  await writeFile(join(dir, 'other.yaml'), rolloutYaml({ name: 'other' }));
  await writeFile(join(dir, 'broken.yaml'), 'name: broken\nstages: [');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('findRolloutByName', () => {
  it('finds the rollout by the name inside the file, whatever the file is called', async () => {
    const found = await findRolloutByName(dir, 'ebg-emails');
    expect(found?.name).toBe('ebg-emails');
    expect(found?.stages.length).toBeGreaterThan(0);
  });

  it('is undefined for a name no file declares, and for a broken file, instead of failing', async () => {
    await expect(findRolloutByName(dir, 'missing')).resolves.toBeUndefined();
    await expect(findRolloutByName(dir, 'broken')).resolves.toBeUndefined();
  });
});
