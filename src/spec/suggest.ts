import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate a typo most likely meant, or undefined when nothing is close
 * enough to be a plausible typo (at most a third of the word, minimum 2 edits).
 * Case is ignored when measuring, so `America/new_york` finds `America/New_York`.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  if (list.length === 0 || word.length === 0) return undefined;
  const lower = list.map((c) => c.toLowerCase());
  const best = closest(word.toLowerCase(), lower);
  const index = lower.indexOf(best);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return distance(word.toLowerCase(), best) <= limit ? list[index] : undefined;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}
