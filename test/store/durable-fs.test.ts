import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendLinesDurable,
  DirSync,
  ensureDir,
  errnoCode,
  fsyncDir,
  openFd,
  readTextFile,
  replaceFileDurable,
  withFd,
  writeAll,
} from '../../src/store/durable-fs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-durable-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** a DirSync whose flushes are counted instead of run */
function countingSync(): { sync: DirSync; flushed: string[] } {
  const flushed: string[] = [];
  return { flushed, sync: new DirSync(dir, async (d) => void flushed.push(d)) };
}

describe('errnoCode', () => {
  it.each([
    [Object.assign(new Error('x'), { code: 'ENOSPC' }), 'ENOSPC'],
    [{ code: 'EROFS' }, 'EROFS'],
    [{ code: 28 }, undefined],
    [new Error('plain'), undefined],
    [null, undefined],
    ['ENOSPC', undefined],
  ])('%j → %s', (err, code) => {
    expect(errnoCode(err)).toBe(code);
  });
});

describe('withFd / writeAll / readTextFile', () => {
  it('writes every byte of multi-byte text and reads it back', async () => {
    const path = join(dir, 'a.txt');
    const text = `${'ü'.repeat(100_000)}\n`;
    await withFd(path, 'w', 0o644, (fd) => writeAll(fd, text));
    expect(await readTextFile(path)).toBe(text);
  });

  it('closes the descriptor when `use` throws, and passes the error on', async () => {
    let used: number | undefined;
    await expect(
      withFd(join(dir, 'b.txt'), 'w', 0o644, async (fd) => {
        used = fd;
        throw new Error('use failed');
      }),
    ).rejects.toThrow('use failed');
    // a closed descriptor can no longer be written
    await expect(writeAll(used as number, 'x')).rejects.toMatchObject({ code: 'EBADF' });
  });
});

describe('fsyncDir / ensureDir', () => {
  it('fsyncs a directory and rejects a missing one', async () => {
    await expect(fsyncDir(dir)).resolves.toBeUndefined();
    await expect(fsyncDir(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates nested directories and is a no-op when they exist', async () => {
    const deep = join(dir, 'a', 'b', 'c');
    await ensureDir(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await expect(ensureDir(deep)).resolves.toBeUndefined();
  });
});

describe('replaceFileDurable', () => {
  it('replaces the file whole and leaves no temp file', async () => {
    const file = join(dir, 'r.json');
    await writeFile(file, 'old');
    await replaceFileDurable(file, `${file}.1.tmp`, 'new content');
    expect(await readFile(file, 'utf8')).toBe('new content');
    expect(await readdir(dir)).toEqual(['r.json']);
  });

  it('keeps the old file and removes the temp when the rename fails', async () => {
    const target = join(dir, 'target');
    await ensureDir(join(target, 'not-empty'));
    const temp = join(dir, 't.tmp');
    // a file cannot be renamed over a directory
    await expect(replaceFileDurable(target, temp, 'data')).rejects.toMatchObject({
      code: expect.stringMatching(/^E/),
    });
    expect((await stat(target)).isDirectory()).toBe(true);
    expect(await readdir(dir)).toEqual(['target']);
  });
});

describe('appendLinesDurable', () => {
  it('appends lines in one go, after earlier ones, and syncs the dir only for a new file', async () => {
    const file = join(dir, 'h.jsonl');
    const { sync, flushed } = countingSync();
    await appendLinesDurable(file, ['{"a":1}', '{"a":2}'], sync);
    expect(flushed).toEqual([dir]);
    await appendLinesDurable(file, ['{"a":3}'], sync);
    expect(flushed).toHaveLength(1);
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
  });

  it('starts on a fresh line after a torn write, so the fragment stays alone', async () => {
    const file = join(dir, 'h.jsonl');
    await writeFile(file, '{"ok":1}\n{"tor');
    await appendLinesDurable(file, ['{"next":1}'], countingSync().sync);
    expect((await readFile(file, 'utf8')).split('\n')).toEqual(['{"ok":1}', '{"tor', '{"next":1}', '']);
  });

  it('writes nothing and creates no file for no lines', async () => {
    const file = join(dir, 'none.jsonl');
    await appendLinesDurable(file, [], countingSync().sync);
    await expect(openFd(file, 'r')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
