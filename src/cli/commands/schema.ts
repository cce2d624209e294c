import type { Command } from 'commander';
import { StagegateError } from '../../errors.js';

// Placeholder until its issue lands; replaced by the real command.
export function register(program: Command): void {
  program
    .command('schema')
    .description('not implemented yet')
    .allowUnknownOption()
    .action(() => {
      throw new StagegateError('E_USAGE', 'schema is not implemented yet');
    });
}
