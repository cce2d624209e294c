import { pathToFileURL } from 'node:url';
import { StagegateError } from '../errors.js';

/*
 * `npm run bench`: every benchmark in one run, printed as markdown tables;
 * `node dist/bench/run.js failover controller-throughput` runs only the
 * sections named. Benchmarks are not tests: they measure on whatever machine
 * runs them, and their numbers go into docs/benchmarks.md, not into
 * assertions. Sections are imported only when selected (decision-quality
 * alone takes minutes to load and run).
 */

export interface Section {
  readonly key: string;
  readonly title: string;
  readonly bench: () => Promise<string>;
}

export const SECTIONS: readonly Section[] = [
  {
    key: 'decision-quality',
    title: 'Decision quality',
    bench: async () => (await import('./decision-quality.js')).run(),
  },
  {
    key: 'controller-throughput',
    title: 'Controller throughput',
    bench: async () => (await import('./controller-throughput.js')).run(),
  },
  {
    key: 'failover',
    title: 'PostgreSQL failover and store',
    bench: async () => (await import('./failover.js')).run(),
  },
  {
    key: 'fault-latency',
    title: 'Fault latency (issue 11)',
    bench: async () => (await import('./fault-latency.js')).run(),
  },
];

/** the sections named, in the order given; every section when none is */
export function selectSections(keys: readonly string[], sections: readonly Section[] = SECTIONS): Section[] {
  if (keys.length === 0) return [...sections];
  return keys.map((key) => {
    const found = sections.find((s) => s.key === key);
    if (!found)
      throw new StagegateError(
        'E_USAGE',
        `unknown benchmark "${key}"; known: ${sections.map((s) => s.key).join(', ')}`,
        { key },
      );
    return found;
  });
}

/** each section under its heading, followed by how long it took */
export async function runSections(
  sections: readonly Section[],
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<void> {
  for (const { title, bench } of sections) {
    write(`\n## ${title}\n\n`);
    const started = Date.now();
    await bench();
    write(`\n(${title}: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await runSections(selectSections(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof StagegateError && err.code === 'E_USAGE' ? 2 : 1;
  }
}
