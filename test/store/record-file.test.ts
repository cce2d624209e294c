import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordFiles, pendingOf, withoutPending } from '../../src/store/record-file.js';
import { record, removeDir } from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeDir));
});

const pending = { commit: '1-a', entries: [{ type: 'spec', at: 1, specHash: 'h', source: null }] };

describe('record files', () => {
  it('hides the commit batch from callers and reads it for the store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagegate-rf-'));
    dirs.push(dir);
    const files = new RecordFiles((name) => join(dir, `${name}.json`));
    await writeFile(
      join(dir, 'alpha.json'),
      JSON.stringify({ ...record('alpha'), version: 1, pendingHistory: pending }),
    );
    expect(await files.read('alpha')).toEqual({ ...record('alpha'), version: 1 });
    // written by someone else: whether the batch landed is unknown until flushed
    expect(await files.stored('alpha')).toMatchObject({ version: 1, pending, flushed: false });
    files.flushed('alpha', 'other');
    expect((await files.stored('alpha')).flushed).toBe(false);
    files.flushed('alpha', '1-a');
    expect((await files.stored('alpha')).flushed).toBe(true);
    expect(await files.stored('beta')).toEqual({ version: 0, pending: null, flushed: true });
  });

  it('refuses a record that names another rollout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagegate-rf-'));
    dirs.push(dir);
    const files = new RecordFiles((name) => join(dir, `${name}.json`));
    await writeFile(join(dir, 'alpha.json'), JSON.stringify({ ...record('beta'), version: 1 }));
    await expect(files.read('alpha')).rejects.toMatchObject({ code: 'E_STORE_CORRUPT' });
  });

  it.each([
    [{ ...record('a'), pendingHistory: pending }, pending],
    [{ ...record('a'), pendingHistory: { commit: 3, entries: [] } }, null],
    [record('a'), null],
  ])('pendingOf %#', (rec, expected) => {
    expect(pendingOf(rec)).toEqual(expected);
    expect(withoutPending(rec)).not.toHaveProperty('pendingHistory');
  });
});
