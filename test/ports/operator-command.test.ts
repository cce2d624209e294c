import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeHistoryEntry } from '../../src/ports/history.js';
import { OPERATOR_COMMANDS } from '../../src/ports/operator-command.js';
import { buildServer } from '../../src/server/server.js';
import { FakeStore, deps } from '../server/helpers.js';

/* The commands are listed once; the CLI, the HTTP API and history all take them from the list. */

describe('OPERATOR_COMMANDS', () => {
  it('are the six commands of DESIGN.md §1', () => {
    expect([...OPERATOR_COMMANDS]).toEqual(['pause', 'resume', 'approve', 'abort', 'promote', 'retry']);
  });

  it('each is a CLI subcommand (the CLI runs on import: spawned from dist/, build first)', async () => {
    const cli = resolve(import.meta.dirname, '../../dist/cli/main.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, '--help']);
    const names = [...stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]);
    for (const command of OPERATOR_COMMANDS) expect(names).toContain(command);
  });

  it('each has an HTTP route, and nothing else does', async () => {
    const app = buildServer(deps(new FakeStore(), []));
    try {
      for (const command of OPERATOR_COMMANDS) {
        const res = await app.inject({ method: 'POST', url: `/api/rollouts/alpha/${command}` });
        expect(res.statusCode, command).not.toBe(404);
      }
      const other = await app.inject({ method: 'POST', url: '/api/rollouts/alpha/explode' });
      expect(other.statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('history records each, and refuses another', () => {
    const entry = (command: string) => ({
      type: 'command',
      at: 1,
      command,
      by: 'ian',
      reason: null,
      accepted: true,
      message: 'ok',
    });
    for (const command of OPERATOR_COMMANDS)
      expect(decodeHistoryEntry(entry(command)).ok, command).toBe(true);
    expect(decodeHistoryEntry(entry('explode')).ok).toBe(false);
  });
});
