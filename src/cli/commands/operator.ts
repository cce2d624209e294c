import type { Command } from 'commander';
import { StagegateError } from '../../errors.js';

// Placeholder until its issue lands; replaced by the real command.
export function register(program: Command): void {
  program
    .command('operator')
    .description('not implemented yet')
    .allowUnknownOption()
    .action(() => {
      throw new StagegateError('E_USAGE', 'operator is not implemented yet');
    });
}
