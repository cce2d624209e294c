import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { START, recordFor } from './fixtures.js';

/*
 * Golden files: a fixed history renders to exactly these bytes (JSON as
 * .json.golden: prettier would reflow a .json file, JSON.stringify does not). After an
 * intended change, regenerate with UPDATE_GOLDEN=1 and review the diff.
 */

const dir = new URL('../fixtures/report/', import.meta.url);
export const NOW = START + 12 * 86_400_000;

export function golden(file: string, actual: string): void {
  const url = new URL(file, dir);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(url, actual);
  }
  expect(actual).toBe(readFileSync(url, 'utf8'));
}

export const completedRecord = recordFor('event-bus-gateway-emails', 'completed', 'stage-e', 4, 100, null);
export const rolledBackRecord = recordFor(
  'event-bus-gateway-emails',
  'rolled_back',
  'stage-c',
  2,
  0,
  'error_rate > 5% for 2 checks: 9% (7.2%–11.2%)',
);
