/*
 * `npm run bench`: every benchmark in one run, printed as markdown tables.
 * Benchmarks are not tests: they measure on whatever machine runs them, and
 * their numbers go into docs/benchmarks.md, not into assertions.
 */
import { run as decisionQuality } from './decision-quality.js';
import { run as controllerThroughput } from './controller-throughput.js';
import { run as failover } from './failover.js';
import { run as faultLatency } from './fault-latency.js';

const sections: Array<[string, () => Promise<string>]> = [
  ['Decision quality', decisionQuality],
  ['Controller throughput', controllerThroughput],
  ['PostgreSQL failover and store', failover],
  ['Fault latency (issue 11)', faultLatency],
];

for (const [title, bench] of sections) {
  process.stdout.write(`\n## ${title}\n\n`);
  const started = Date.now();
  await bench();
  process.stdout.write(`\n(${title}: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
