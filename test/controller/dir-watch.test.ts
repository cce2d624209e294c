import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dirSignature, watchDir, type DirWatch } from '../../src/controller/dir-watch.js';
import { captureLogger } from '../store/helpers.js';

let root: string;
let dir: string;
let watches: DirWatch[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'stagegate-dir-watch-'));
  dir = join(root, 'rollouts');
  await mkdir(dir);
});

afterEach(async () => {
  for (const w of watches) w.close();
  watches = [];
  await rm(root, { recursive: true, force: true });
});

function start(rescanMs = 40) {
  const why: string[] = [];
  const cap = captureLogger();
  const w = watchDir({ dir, logger: cap.logger, rescanMs, onChange: (reason) => void why.push(reason) });
  watches.push(w);
  return { why, cap, w };
}

/** the watch has taken its first signature: a rescan with nothing changed reports nothing */
async function settled(why: string[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 120));
  why.length = 0;
}

describe('dirSignature', () => {
  it('changes with a new file, a content change and a rename; is null for a missing dir', async () => {
    const empty = await dirSignature(dir);
    expect(empty).toBe('');
    await writeFile(join(dir, 'a.yaml'), 'name: a\n');
    const one = await dirSignature(dir);
    expect(one).toMatch(/^a\.yaml:\d+:8:/);
    await writeFile(join(dir, 'a.yaml'), 'name: a2\n');
    const edited = await dirSignature(dir);
    expect(edited).not.toBe(one);
    await rename(join(dir, 'a.yaml'), join(dir, 'b.yaml'));
    expect((await dirSignature(dir))?.startsWith('b.yaml:')).toBe(true);
    expect(await dirSignature(join(root, 'nope'))).toBeNull();
  });
});

describe('watchDir', () => {
  it('reports a change in the dir', async () => {
    const { why } = start();
    await settled(why);
    await writeFile(join(dir, 'checkout.yaml'), 'name: checkout\n');
    await vi.waitFor(() => expect(why.length).toBeGreaterThan(0), { timeout: 5_000 });
    expect(why.every((w) => w === 'event' || w === 'rescan')).toBe(true);
  });

  it('a dir swapped for another (a deploy, a ConfigMap update) is watched again: replaced', async () => {
    const { why, cap } = start();
    await settled(why);
    // both dirs exist at once, so the new one cannot reuse the old inode
    const next = join(root, 'rollouts.next');
    await mkdir(next);
    await writeFile(join(next, 'new.yaml'), 'name: new\n');
    await rename(dir, join(root, 'rollouts.old'));
    await rename(next, dir);
    await vi.waitFor(() => expect(why).toContain('replaced'), { timeout: 5_000 });
    expect(cap.lines).toContainEqual(
      expect.objectContaining({ msg: 'rollouts dir replaced or back: watching it again', replaced: true }),
    );
    why.length = 0;
    await writeFile(join(dir, 'late.yaml'), 'name: late\n');
    await vi.waitFor(() => expect(why.length).toBeGreaterThan(0), { timeout: 5_000 });
  });

  it('a dir removed and recreated (rm -rf, git checkout): later changes are still seen', async () => {
    const { why } = start();
    await settled(why);
    await rm(dir, { recursive: true });
    await mkdir(dir);
    await settled(why);
    await writeFile(join(dir, 'late.yaml'), 'name: late\n');
    await vi.waitFor(() => expect(why.length).toBeGreaterThan(0), { timeout: 5_000 });
  });

  it('reports nothing after close', async () => {
    const { why, w } = start();
    await settled(why);
    w.close();
    await writeFile(join(dir, 'after-close.yaml'), 'x\n');
    await new Promise((r) => setTimeout(r, 150));
    expect(why).toEqual([]);
  });
});
