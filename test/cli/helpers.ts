import { vi } from 'vitest';

/*
 * For the CLI commands run in-process: what they print goes to the test, not
 * the terminal, until vi.restoreAllMocks().
 */

export type Sink = (text: string) => void;

/** Sends every write to stdout to `onOut` and to stderr to `onErr`. */
export function captureOutput(onOut: Sink, onErr: Sink): void {
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    onOut(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    onErr(String(chunk));
    return true;
  });
}
