/*
 * An eslint-plugin-import style resolver (interface v2) for this project's
 * ESM TypeScript: `./x.js` in a .ts file means `./x.ts`. Relative imports
 * only; packages and node builtins are left to the node resolver.
 */
const { existsSync } = require('node:fs');
const { dirname, resolve } = require('node:path');
const nodeResolver = require('eslint-import-resolver-node');

exports.interfaceVersion = 2;
exports.resolve = function resolveTs(source, file, config) {
  if (source.startsWith('.')) {
    const base = resolve(dirname(file), source);
    for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`]) {
      if (existsSync(candidate) && candidate.endsWith('.ts')) return { found: true, path: candidate };
    }
  }
  return nodeResolver.resolve(source, file, config);
};
