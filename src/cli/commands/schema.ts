import { writeOut } from '../output.js';
import type { Command } from 'commander';
import { rolloutJsonSchemaText } from '../../rollout/json-schema.js';

/** `stagegate schema`: the JSON Schema of rollout files, for editors. config/rollout.schema.json is this output. */
export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of rollout files (for # yaml-language-server: $schema=...)')
    .action(() => {
      writeOut(rolloutJsonSchemaText());
    });
}
