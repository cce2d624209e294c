/* global URL -- node */
// Build step: the status page's static files (src/server/ui) are not TypeScript; copy them next to
// the compiled server so the package serves them from dist/ (package.json "files").
import { cpSync } from 'node:fs';

cpSync(new URL('../src/server/ui', import.meta.url), new URL('../dist/server/ui', import.meta.url), {
  recursive: true,
});
