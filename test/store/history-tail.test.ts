import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTailLines } from '../../src/store/history-tail.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-tail-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(text: string): Promise<string> {
  const path = join(dir, 'history.jsonl');
  await writeFile(path, text);
  return path;
}

const lines = (n: number, width = 10) =>
  Array.from({ length: n }, (_, i) => `{"n":${i}${' '.repeat(width)}}`);

describe('readTailLines', () => {
  it('skips the newest `skip` lines and returns `limit` before them, oldest first', async () => {
    const path = await file(`${lines(10).join('\n')}\n`);
    const page = await readTailLines(path, 2, 3);
    expect(page.lines).toEqual(lines(10).slice(5, 8));
    expect(page.more).toBe(true);
  });

  it('reads the whole file with limit Infinity; more is false at the start', async () => {
    const all = lines(5);
    const path = await file(`${all.join('\n')}\n`);
    expect(await readTailLines(path, 0, Infinity)).toMatchObject({ lines: all, more: false });
    expect(await readTailLines(path, 3, 10)).toMatchObject({ lines: all.slice(0, 2), more: false });
    expect(await readTailLines(path, 9, 10)).toMatchObject({ lines: [], more: false });
  });

  it('ignores blank lines and keeps a last line without a newline', async () => {
    const path = await file('{"a":1}\n\n   \n{"b":2}\n{"c":3}');
    expect((await readTailLines(path, 0, Infinity)).lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect((await readTailLines(path, 0, 1)).lines).toEqual(['{"c":3}']);
  });

  it('joins a line split across 64 KiB chunks, multi-byte characters intact', async () => {
    const long = `{"msg":"${'é'.repeat(50_000)}"}`; // 100 KB: spans two chunks
    const path = await file(`{"first":1}\n${long}\n{"last":1}\n`);
    const page = await readTailLines(path, 1, 1);
    expect(page.lines).toEqual([long]);
    expect(page.more).toBe(true);
  });

  it('costs the bytes of the page, not of the file', async () => {
    const many = lines(20_000, 40); // ~1 MB
    const path = await file(`${many.join('\n')}\n`);
    const page = await readTailLines(path, 0, 10);
    expect(page.lines).toEqual(many.slice(-10));
    expect(page.bytesRead).toBeLessThanOrEqual(64 * 1024);
  });

  it('an empty file is no lines; a missing one rejects with ENOENT', async () => {
    expect(await readTailLines(await file(''), 0, 5)).toEqual({ lines: [], more: false, bytesRead: 0 });
    await expect(readTailLines(join(dir, 'missing.jsonl'), 0, 1)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
