import { createHash } from 'node:crypto';
import { z } from 'zod';
import { StagegateError } from '../errors.js';
import type { HistoryEntry, RolloutRecord, StateStore } from '../ports/state-store.js';
import { canonicalJson } from '../rollout/canonical-json.js';

/*
 * `stagegate state export | import`: records and histories moved between any
 * two stores (file → postgres when a team moves to replicas, and back). The
 * dump carries counts and a SHA-256 over its canonical JSON; import refuses a
 * dump whose checksum does not match, refuses to overwrite a rollout the
 * target already has, and after writing reads everything back from the
 * target and compares counts and checksum again. Record versions restart at 1
 * on the target (a version only orders saves within one store), so the
 * checksum covers each record without its version.
 */

export const DUMP_FORMAT = 'stagegate-state-dump';

export interface DumpRollout {
  readonly name: string;
  readonly record: RolloutRecord | null;
  readonly history: readonly HistoryEntry[];
}

export interface StateDump {
  readonly format: typeof DUMP_FORMAT;
  readonly version: 1;
  readonly exportedAt: string;
  readonly counts: DumpCounts;
  readonly checksum: string;
  readonly rollouts: readonly DumpRollout[];
}

export interface DumpCounts {
  readonly rollouts: number;
  readonly records: number;
  readonly historyEntries: number;
}

const dumpSchema = z.object({
  format: z.literal(DUMP_FORMAT),
  version: z.literal(1),
  exportedAt: z.string(),
  counts: z.object({ rollouts: z.number(), records: z.number(), historyEntries: z.number() }),
  checksum: z.string(),
  rollouts: z.array(
    z.object({
      name: z.string(),
      record: z.record(z.string(), z.unknown()).nullable(),
      history: z.array(z.record(z.string(), z.unknown())),
    }),
  ),
});

/** a store that can also name the rollouts that only have a history */
type Listable = StateStore & { names?(): Promise<string[]> };

export function countsOf(rollouts: readonly DumpRollout[]): DumpCounts {
  return {
    rollouts: rollouts.length,
    records: rollouts.filter((r) => r.record !== null).length,
    historyEntries: rollouts.reduce((n, r) => n + r.history.length, 0),
  };
}

export function checksumOf(rollouts: readonly DumpRollout[]): string {
  const hash = createHash('sha256');
  for (const r of [...rollouts].sort((a, b) => a.name.localeCompare(b.name))) {
    const record = r.record === null ? null : { ...r.record, version: undefined };
    hash.update(canonicalJson({ name: r.name, record, history: r.history }));
    hash.update('\n');
  }
  return `sha256:${hash.digest('hex')}`;
}

async function readRollouts(store: Listable): Promise<DumpRollout[]> {
  const records = await store.list();
  const byName = new Map(records.map((r) => [r.name, r]));
  const names = new Set([...byName.keys(), ...((await store.names?.()) ?? [])]);
  const out: DumpRollout[] = [];
  for (const name of [...names].sort((a, b) => a.localeCompare(b))) {
    out.push({ name, record: byName.get(name) ?? null, history: await store.history(name) });
  }
  return out;
}

export async function exportState(store: Listable, now: Date = new Date()): Promise<StateDump> {
  const rollouts = await readRollouts(store);
  return {
    format: DUMP_FORMAT,
    version: 1,
    exportedAt: now.toISOString(),
    counts: countsOf(rollouts),
    checksum: checksumOf(rollouts),
    rollouts,
  };
}

/** Parses and verifies a dump file's text: shape, counts and checksum. */
export function parseDump(text: string, path: string): StateDump {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StagegateError(
      'E_USAGE',
      `${path}: not JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = dumpSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StagegateError(
      'E_USAGE',
      `${path}: not a stagegate state dump (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`,
    );
  }
  const dump = parsed.data as unknown as StateDump;
  const counts = countsOf(dump.rollouts);
  const checksum = checksumOf(dump.rollouts);
  if (canonicalJson(counts) !== canonicalJson(dump.counts) || checksum !== dump.checksum) {
    throw new StagegateError(
      'E_USAGE',
      `${path}: counts or checksum do not match its content: the dump is damaged`,
      {
        expected: dump.checksum,
        actual: checksum,
      },
    );
  }
  return dump;
}

export interface ImportResult {
  readonly counts: DumpCounts;
  readonly checksum: string;
}

export async function importState(dump: StateDump, target: Listable): Promise<ImportResult> {
  const existing: string[] = [];
  for (const r of dump.rollouts) {
    if (
      (await target.load(r.name)) !== undefined ||
      (await target.history(r.name, { limit: 1 })).length > 0
    ) {
      existing.push(r.name);
    }
  }
  if (existing.length > 0) {
    throw new StagegateError(
      'E_STORE_CONFLICT',
      `the target store already has ${existing.join(', ')}: nothing imported (import into an empty store)`,
      { names: existing },
    );
  }
  for (const r of dump.rollouts) {
    for (const entry of r.history) await target.appendHistory(r.name, entry);
    if (r.record !== null) await target.save(r.record, 0);
  }
  // read back by name: a target without names() could not list a history-only rollout
  const back: DumpRollout[] = [];
  for (const { name } of dump.rollouts) {
    back.push({ name, record: (await target.load(name)) ?? null, history: await target.history(name) });
  }
  const counts = countsOf(back);
  const checksum = checksumOf(back);
  if (checksum !== dump.checksum || canonicalJson(counts) !== canonicalJson(dump.counts)) {
    throw new StagegateError(
      'E_STORE_IO',
      `import read back ${counts.records} records and ${counts.historyEntries} history entries with ${checksum}, expected ${dump.counts.records}, ${dump.counts.historyEntries} and ${dump.checksum}`,
      { expected: dump.checksum, actual: checksum },
    );
  }
  return { counts, checksum };
}
