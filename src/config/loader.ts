import { ConfigError } from '../rollout/errors.js';
import { configSchema, type Config } from './schema.js';
import { interpolateDocument } from './interpolate.js';
import { readSource } from '../rollout/read-source.js';
import { MAX_ALIAS_COUNT, parseYamlSource, problemAt } from '../rollout/yaml-source.js';
import { fromZodIssues } from '../rollout/zod-issues.js';
import { registerConfigSecrets } from '../secrets/config-secrets.js';

/*
 * config/stagegate.yaml (DESIGN.md §6): same YAML guards and
 * `path:line:col: message` problems as rollout files, plus `${VAR}`
 * interpolation from the environment. Relative paths in the config
 * (rolloutsDir, state.dir, file toggle paths) are left as written, so they
 * resolve against the process's working directory, like every CLI path.
 * Loading fills the program's scrubber (src/secrets/) with every secret the
 * config points at in the environment.
 */

/** Reads, interpolates and validates a config file; throws ConfigError (E_CONFIG_INVALID). */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const read = await readSource(path);
  if (typeof read !== 'string') {
    throw new ConfigError([{ ...read, message: `cannot read the config file: ${read.message}` }]);
  }
  return parseConfigText(read, path, env);
}

export function parseConfigText(text: string, path: string, env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = parseYamlSource(text, path, 'a config mapping (rolloutsDir, state, metrics, toggles, ...)');
  if (!parsed.ok) throw new ConfigError(parsed.problems);
  const { source } = parsed;

  const envIssues = interpolateDocument(source.doc, env);
  if (envIssues.length > 0) throw new ConfigError(envIssues.map((i) => problemAt(source, i)));

  // interpolation changed scalar values in the tree: read the data again
  const data: unknown = source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  // before any message is built: whatever fails from here on is scrubbed of these
  registerConfigSecrets(data, env);
  const result = configSchema.safeParse(data);
  if (!result.success) {
    // values may hold interpolated secrets: messages never quote them
    const issues = fromZodIssues(result.error.issues, data, configSchema, { echoValues: false });
    throw new ConfigError(issues.map((i) => problemAt({ ...source, data }, i)));
  }
  return result.data;
}
