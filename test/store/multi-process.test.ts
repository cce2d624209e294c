import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/store/file-store.js';
import { record, removeDir, transpileForChild } from './helpers.js';

/*
 * Real processes racing on one state dir, as the running controller and an
 * operator's CLI command do. The children run the store transpiled to plain
 * JS; the parent checks the outcome with the TypeScript original.
 */

const ROUNDS = 150;
const WRITERS = ['a', 'b', 'c'];

const RACER = `
import { FileStateStore } from './src/store/file-store.js';
import { createInterface } from 'node:readline';
const [dir, writer, rounds] = process.argv.slice(2);
const store = new FileStateStore({ dir });
process.stdout.write('ready\\n');
const rl = createInterface({ input: process.stdin });
await new Promise((resolve) => rl.once('line', resolve));
rl.close();
const won = [];
for (let i = 0; i < Number(rounds); i += 1) {
  const current = await store.load('race');
  try {
    const saved = await store.save({ ...current, snapshot: { writer, round: i } }, current.version);
    won.push(saved.version);
  } catch (err) {
    if (err.code !== 'E_STORE_CONFLICT') throw err;
  }
  await store.appendHistory('race', { type: 'check', at: i, stage: writer, percent: 0, detail: {} });
}
process.stdout.write(JSON.stringify(won) + '\\n');
`;

let work: string;
let code: string;

beforeAll(async () => {
  code = await transpileForChild(['src/store/file-store.ts']);
  await writeFile(join(code, 'racer.js'), RACER);
  work = await mkdtemp(join(tmpdir(), 'stagegate-race-'));
});

afterAll(async () => {
  await removeDir(work);
  await removeDir(code);
});

function lines(child: ChildProcess): AsyncIterator<string> {
  if (!child.stdout) throw new Error('no stdout');
  return createInterface({ input: child.stdout })[Symbol.asyncIterator]();
}

describe('file store across processes', () => {
  it(`lets exactly one process win each version (${WRITERS.length} writers x ${ROUNDS} rounds)`, async () => {
    const store = new FileStateStore({ dir: work });
    await store.save(record('race'), 0);

    const children = WRITERS.map((w) => {
      const child = spawn(process.execPath, [join(code, 'racer.js'), work, w, String(ROUNDS)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
      return { writer: w, child, out: lines(child), exit };
    });
    for (const c of children) expect((await c.out.next()).value).toBe('ready');
    for (const c of children) c.child.stdin?.end('go\n');

    const wins = new Map<number, string>();
    for (const c of children) {
      const result = await c.out.next();
      expect(await c.exit).toBe(0);
      for (const version of JSON.parse(String(result.value)) as number[]) {
        expect(wins.has(version), `version ${version} claimed twice`).toBe(false);
        wins.set(version, c.writer);
      }
    }

    // every version after the first was won by exactly one writer, with no gaps
    const final = await store.load('race');
    const versions = [...wins.keys()].sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 2));
    expect(final?.version).toBe(versions.length + 1);
    // and what is stored is what the winner of the last version wrote
    const last = versions.at(-1) ?? 0;
    expect((final?.snapshot as { writer: string }).writer).toBe(wins.get(last));
    expect(await readdir(join(work, 'locks'))).toEqual([]);
    // every writer won some rounds: this was a real race, not a queue
    expect(new Set(wins.values()).size).toBeGreaterThan(1);

    // history: every append from every process, each writer's own entries in order
    const history = await store.history('race');
    expect(history).toHaveLength(WRITERS.length * ROUNDS);
    for (const w of WRITERS) {
      const mine = history.filter((e) => e.type === 'check' && e.stage === w).map((e) => e.at);
      expect(mine).toEqual(Array.from({ length: ROUNDS }, (_, i) => i));
    }
  });
});
