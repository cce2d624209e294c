import { scrub } from '../secrets/scrubber.js';

/*
 * Everything a command prints goes through the one scrubber, like logs, errors
 * and API answers: a report or a status line built from provider text (a
 * Datadog error, a partial answer) must not carry a key it happened to echo.
 */
export function writeOut(text: string): boolean {
  return process.stdout.write(scrub(text));
}
