import { describe, expect, it } from 'vitest';
import { didYouMean, suggest } from '../../src/rollout/suggest.js';

const KEYS = ['tokenEnv', 'tokenFile', 'baseUrl', 'timeoutMs', 'maxRetries'];
const ZONES = ['America/New_York', 'Europe/Berlin', 'UTC'];

describe('suggest', () => {
  it.each([
    ['tokenEnc', KEYS, 'tokenEnv'], // one edit
    ['baseURL', KEYS, 'baseUrl'], // case is ignored when measuring
    ['America/new_york', ZONES, 'America/New_York'],
    ['maxRetires', KEYS, 'maxRetries'], // two edits: within the minimum of 2
    ['token', KEYS, 'tokenEnv'], // cut short: the first candidate it starts
    ['timeout', KEYS, 'timeoutMs'],
  ])('%s → %s', (word, candidates, expected) => {
    expect(suggest(word, candidates)).toBe(expected);
  });

  it.each([
    ['zzzzzzzz', KEYS], // nothing close
    ['ab', KEYS], // too short to be cut short of anything
    ['', KEYS],
    ['tokenEnv', []],
    ['Berlinn', ZONES], // 8 edits from Europe/Berlin: not a typo
  ])('%j has no suggestion', (word, candidates) => {
    expect(suggest(word, candidates)).toBeUndefined();
  });

  it('takes any iterable', () => {
    expect(suggest('utc', new Set(ZONES))).toBe('UTC');
  });
});

describe('didYouMean', () => {
  it('phrases a suggestion, or says nothing', () => {
    expect(didYouMean('tokenEnc', KEYS)).toBe(' (did you mean "tokenEnv"?)');
    expect(didYouMean('zzzzzzzz', KEYS)).toBe('');
  });
});
