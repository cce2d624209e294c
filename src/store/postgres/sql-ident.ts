import { StagegateError } from '../../errors.js';

/*
 * The schema name comes from config and ends up inside SQL text (identifiers
 * cannot be bind parameters), so it is checked against a strict pattern and
 * then quoted: nothing but a plain lowercase identifier can reach a query.
 */
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteSchema(name: string): string {
  if (!IDENT.test(name)) {
    throw new StagegateError('E_CONFIG_INVALID', `invalid state schema name ${JSON.stringify(name)}`, {
      schema: name,
    });
  }
  return `"${name}"`;
}
