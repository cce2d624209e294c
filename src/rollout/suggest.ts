import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate a typo most likely meant, or undefined when nothing is close
 * enough to be a plausible typo (at most a third of the word, minimum 2 edits,
 * or the start of a candidate).
 * Case is ignored when measuring, so `America/new_york` finds `America/New_York`.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  if (list.length === 0 || word.length === 0) return undefined;
  const lower = list.map((c) => c.toLowerCase());
  const best = closest(word.toLowerCase(), lower);
  const index = lower.indexOf(best);
  const limit = Math.max(2, Math.floor(word.length / 3));
  if (distance(word.toLowerCase(), best) <= limit) return list[index];
  // a word cut short (`token` for `tokenEnv`) is too far by edits but plainly meant
  if (word.length >= 3) return list.find((c) => c.toLowerCase().startsWith(word.toLowerCase()));
  return undefined;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}
