import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/cli/commands/schema.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('stagegate schema', () => {
  it('prints the JSON Schema that config/rollout.schema.json holds, byte for byte', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const program = new Command('stagegate').exitOverride();
    register(program);
    await program.parseAsync(['node', 'stagegate', 'schema']);
    vi.restoreAllMocks();
    const schema = JSON.parse(out) as { $schema?: string; properties?: Record<string, unknown> };
    expect(schema.properties).toHaveProperty('stages');
    expect(schema.properties).toHaveProperty('toggle');
    expect(out).toBe(readFileSync(new URL('../../../config/rollout.schema.json', import.meta.url), 'utf8'));
  });
});
