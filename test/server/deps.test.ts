import { describe, expect, it } from 'vitest';
import { OPERATOR_COMMANDS as PORT_COMMANDS } from '../../src/ports/operator-command.js';
import { OPERATOR_COMMANDS } from '../../src/server/deps.js';

describe('server deps', () => {
  it('route the very list of operator commands the CLI and history use, not a copy', () => {
    expect(OPERATOR_COMMANDS).toBe(PORT_COMMANDS);
  });
});
