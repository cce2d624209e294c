import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeOut } from '../../src/cli/output.js';
import { registerSecret, resetSecretsForTests } from '../../src/secrets/scrubber.js';

afterEach(() => {
  vi.restoreAllMocks();
  resetSecretsForTests();
});

describe('writeOut', () => {
  it('prints through the scrubber: a registered secret never reaches stdout', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    registerSecret('dd-app-key-0123456789abcdef');
    writeOut('Datadog said: invalid key dd-app-key-0123456789abcdef\n');
    writeOut('plain line\n');
    expect(written).toHaveLength(2);
    expect(written[0]).not.toContain('dd-app-key-0123456789abcdef');
    expect(written[0]).toMatch(/^Datadog said: invalid key .+\n$/);
    expect(written[1]).toBe('plain line\n');
  });
});
