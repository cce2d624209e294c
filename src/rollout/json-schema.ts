import { z } from 'zod';
import { rolloutFileSchema } from './schema.js';

export const ROLLOUT_SCHEMA_ID = 'urn:stagegate:rollout-file:v1';

/**
 * The JSON Schema of rollout files, for editors (yaml-language-server) and
 * other tools. `io: 'input'` describes what a person writes: keys with
 * defaults are optional. Rules that need several values (percents increasing,
 * referenced metrics exist) are only enforced by `stagegate validate`.
 */
export function rolloutJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(rolloutFileSchema, { io: 'input', target: 'draft-07' });
  return { $schema: schema.$schema, $id: ROLLOUT_SCHEMA_ID, ...schema };
}

/** Exactly what `stagegate schema` prints and config/rollout.schema.json holds. */
export function rolloutJsonSchemaText(): string {
  return `${JSON.stringify(rolloutJsonSchema(), null, 2)}\n`;
}
