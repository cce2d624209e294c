import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the status page in a real Chromium (playwright-core, the system browser).
// Apart from `npm test`, so a machine without a browser can still run the rest.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
