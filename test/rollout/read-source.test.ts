import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsMessage, readSource } from '../../src/rollout/read-source.js';
import { MAX_FILE_BYTES } from '../../src/rollout/yaml-source.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-read-source-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// permission denied is asserted on fsMessage: these tests may run as root, which reads any file
const TOO_LARGE = 'larger than 1 MiB, the limit for a rollout or config file';

describe('readSource', () => {
  it('returns the text of a regular file, multi-byte characters whole', async () => {
    const path = join(dir, 'ok.yaml');
    await writeFile(path, 'name: zoë\n');
    expect(await readSource(path)).toBe('name: zoë\n');
  });

  it('reads a file of exactly the cap, and refuses one byte more', async () => {
    const at = join(dir, 'at-cap.yaml');
    const over = join(dir, 'over-cap.yaml');
    await writeFile(at, Buffer.alloc(MAX_FILE_BYTES, 'a'));
    await writeFile(over, Buffer.alloc(MAX_FILE_BYTES + 1, 'a'));
    expect(((await readSource(at)) as string).length).toBe(MAX_FILE_BYTES);
    expect(await readSource(over)).toEqual({ path: over, line: 1, col: 1, message: TOO_LARGE });
  });

  it('reads an empty file as empty text', async () => {
    const path = join(dir, 'empty.yaml');
    await writeFile(path, '');
    expect(await readSource(path)).toBe('');
  });

  it.each([
    ['a missing file', 'missing.yaml', 'no such file or directory'],
    ['a directory', '.', 'is a directory, expected a file'],
  ])('refuses %s', async (_what, name, message) => {
    const path = join(dir, name);
    expect(await readSource(path)).toEqual({ path, line: 0, col: 0, message });
  });

  it('refuses a FIFO at once instead of hanging', async () => {
    const path = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [path]);
    expect(await readSource(path)).toEqual({ path, line: 0, col: 0, message: 'not a regular file' });
  });

  it('refuses a character device before reading it (/dev/zero never ends)', async () => {
    expect(await readSource('/dev/zero')).toEqual({
      path: '/dev/zero',
      line: 0,
      col: 0,
      message: 'not a regular file',
    });
  });

  it('follows a symbolic link to a regular file, and names a loop', async () => {
    const target = join(dir, 'target.yaml');
    await writeFile(target, 'a: 1\n');
    const link = join(dir, 'link.yaml');
    await symlink(target, link);
    expect(await readSource(link)).toBe('a: 1\n');
    const loop = join(dir, 'loop.yaml');
    await symlink(loop, loop);
    expect(await readSource(loop)).toEqual({
      path: loop,
      line: 0,
      col: 0,
      message: 'too many symbolic links',
    });
  });

  it('names a path through a file as not a directory', async () => {
    const file = join(dir, 'plain.yaml');
    await writeFile(file, 'x');
    const path = join(file, 'inner.yaml');
    expect(await readSource(path)).toEqual({ path, line: 0, col: 0, message: 'not a directory' });
  });
});

describe('fsMessage', () => {
  const err = (code: string, message = 'raw') => Object.assign(new Error(message), { code });
  it.each([
    [err('ENOENT'), 'no such file or directory'],
    [err('EACCES'), 'permission denied'],
    [err('EPERM'), 'permission denied'],
    [err('ENOTDIR'), 'not a directory'],
    [err('ELOOP'), 'too many symbolic links'],
    [err('EISDIR'), 'is a directory, expected a file'],
    [err('EIO', 'i/o error'), 'cannot read: i/o error'],
    [new Error('odd'), 'cannot read: odd'],
    ['a string', 'cannot read: a string'],
  ])('%s → %s', (e, message) => {
    expect(fsMessage(e)).toBe(message);
  });
});
