/*
 * DESIGN.md §9, enforced: imports point down.
 *   cli → controller/server → runtime → engine, ports
 *   providers, store, notify → ports
 *   nothing imports cli or server except the composition root (src/compose)
 *   the engine imports no node:*, pino, and uses neither `process` nor `fetch`
 * Type-only imports count like any other (boundaries checks every import kind).
 * test/boundaries.test.ts proves a forbidden import fails.
 */
import boundaries from 'eslint-plugin-boundaries';

const leaf = ['errors', 'log'];
/** what each layer may import (besides itself) */
const ALLOW = {
  compose: ['*'],
  cli: [
    'compose',
    'controller',
    'runtime',
    'engine',
    'ports',
    'providers',
    'store',
    'notify',
    'http',
    'rollout',
    'config',
    'report',
    'sandbox',
    ...leaf,
  ],
  controller: ['runtime', 'engine', 'ports', 'providers', 'store', 'notify', 'rollout', 'config', ...leaf],
  server: ['ports', 'report', 'rollout', 'config', ...leaf],
  runtime: ['engine', 'ports', 'rollout', ...leaf],
  engine: ['ports', 'rollout', 'errors'],
  ports: ['rollout', 'errors'],
  providers: ['ports', 'http', 'engine', 'rollout', 'config', ...leaf],
  store: ['ports', 'rollout', 'config', ...leaf],
  notify: ['ports', 'http', 'rollout', 'config', ...leaf],
  // the HTTP client reports its calls in the toggle providers' call-log shape (src/providers/toggles/call-log.ts)
  http: ['providers', ...leaf],
  // the rollout model names the ports' query and gate types, and checks provider names against the config
  rollout: ['ports', 'config', 'errors'],
  config: ['rollout', 'errors'],
  report: ['ports', 'engine', 'rollout', 'errors'],
  sandbox: [
    'compose',
    'controller',
    'runtime',
    'engine',
    'ports',
    'providers',
    'store',
    'notify',
    'http',
    'rollout',
    'config',
    'report',
    ...leaf,
  ],
  bench: [
    'sandbox',
    'controller',
    'runtime',
    'engine',
    'ports',
    'providers',
    'store',
    'notify',
    'http',
    'rollout',
    'config',
    ...leaf,
  ],
  errors: [],
  log: ['errors'],
};

// elements are folders: src/errors.ts and src/log.ts are checked by no-restricted-imports below
const folders = Object.keys(ALLOW).filter((t) => !leaf.includes(t));

export const boundariesConfig = [
  {
    // the lint setup itself runs in node
    files: ['.config/**/*.{js,cjs}'],
    languageOptions: { globals: { URL: 'readonly', require: 'readonly', exports: 'writable' } },
  },
  { files: ['.config/**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { [new URL('./eslint-resolver.cjs', import.meta.url).pathname]: {} },
      'boundaries/elements': [
        ...folders.map((type) => ({ type, pattern: `src/${type}/**`, partialMatch: false })),
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: Object.entries(ALLOW).map(([from, to]) => ({
            from: { element: { type: from } },
            allow: {
              to: { element: { types: { anyOf: to.includes('*') ? Object.keys(ALLOW) : [from, ...to] } } },
            },
          })),
        },
      ],
    },
  },
  {
    files: ['src/ports/**/*.ts', 'src/rollout/**/*.ts', 'src/config/**/*.ts', 'src/report/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/log.js', '../log.js', '../../log.js'],
              message: 'models and ports do not log: the runtime does (DESIGN.md §9)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'pino', 'pino-*', '**/log.js', '../log.js'],
              message: 'the engine is pure: time and data are inputs (DESIGN.md §3)',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'the engine reads no environment (DESIGN.md §3)' },
        { name: 'fetch', message: 'the engine does no I/O (DESIGN.md §3)' },
      ],
    },
  },
];
