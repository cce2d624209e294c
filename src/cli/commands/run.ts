import type { Command } from 'commander';
import { StagegateError } from '../../errors.js';

// Placeholder until its issue lands; replaced by the real command.
export function register(program: Command): void {
  program
    .command('run')
    .description('not implemented yet')
    .allowUnknownOption()
    .action(() => {
      throw new StagegateError('E_USAGE', 'run is not implemented yet');
    });
}
