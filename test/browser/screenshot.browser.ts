import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch } from './browser.js';
import { rolloutYaml, startStack, type Stack } from './stack.js';

/*
 * `npm run screenshot`: docs/img/status-page.png for the README — a rollout's
 * page after a breach switched on in the sandbox rolled it back, written to
 * STAGEGATE_SCREENSHOT (npm run screenshot sets it; `test:browser` leaves this file out).
 */

const OUT = process.env.STAGEGATE_SCREENSHOT ?? 'docs/img/status-page.png';
const NAME = 'demo-email-notifications';
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack({
    [NAME]: rolloutYaml(NAME, '6s'),
    'demo-checkout-redesign': rolloutYaml('demo-checkout-redesign', '1h'),
  });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('writes the README screenshot', async () => {
  const state = async () =>
    (await (await fetch(`${stack.url}/api/rollouts/${NAME}`)).json()) as {
      stage: string | null;
      state: string;
    };
  await expect.poll(async () => (await state()).stage, { timeout: 60_000, interval: 500 }).toBe('stage-b');
  await new Promise((r) => setTimeout(r, 4000));
  const res = await fetch(`${stack.controlUrl}/breach/${NAME}`, { method: 'POST' });
  expect(res.status).toBe(200);
  await expect
    .poll(async () => (await state()).state, { timeout: 60_000, interval: 500 })
    .toBe('rolled_back');
  await new Promise((r) => setTimeout(r, 2000));
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  await page.goto(`${stack.url}/rollouts/${NAME}`);
  await page.screenshot({ path: resolve(OUT), fullPage: false });
});
