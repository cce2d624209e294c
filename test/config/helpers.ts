import { afterEach } from 'vitest';
import { parseConfigText } from '../../src/config/loader.js';
import { ConfigError } from '../../src/rollout/errors.js';
import { resetSecretsForTests } from '../../src/secrets/scrubber.js';

/*
 * What the config tests share: every default of an empty config, and a config
 * text's problems as the loader reports them (one line each, with line:col).
 */

/** The whole config an empty mapping becomes. */
export const EMPTY_CONFIG = {
  rolloutsDir: 'rollouts',
  state: { type: 'file', dir: '.stagegate' },
  metrics: {},
  toggles: {},
  notifiers: {},
  server: { enabled: true, host: '127.0.0.1', port: 8080 },
  log: { level: 'info' },
} as const;

/** Loading a config registers its secrets with the scrubber: forget them after each test. */
export function resetSecretsAfterEach(): void {
  afterEach(() => resetSecretsForTests());
}

export function configProblems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, 'c.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  return [];
}
