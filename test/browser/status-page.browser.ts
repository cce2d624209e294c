import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launch, RESULTS } from './browser.js';
import { API_TOKEN, rolloutYaml, startStack, type Stack } from './stack.js';

/*
 * The status page in Chromium against the real controller (`stagegate run`)
 * and the real sandbox (`stagegate sandbox`): the list shows both rollouts,
 * a rollout's page draws its metric with the threshold line, a pause without
 * the token is refused and with it is applied, and axe-core finds no WCAG
 * 2.1 AA violation. Screenshots go to test-results/ (gitignored).
 */

const STEADY = 'alpha-checkout';
const PAUSED = 'beta-emails';

let stack: Stack;
let browser: Browser;

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('pageerror', (err) => {
    throw err;
  });
  return page;
}

beforeAll(async () => {
  stack = await startStack({ [STEADY]: rolloutYaml(STEADY, '1h'), [PAUSED]: rolloutYaml(PAUSED, '1h') });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('status page', () => {
  it('lists every rollout, then updates live', async () => {
    const page = await newPage();
    const res = await page.goto(`${stack.url}/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    for (const name of [STEADY, PAUSED])
      await page.locator(`tr[data-rollout="${name}"]`).waitFor({ timeout: 20_000 });
    // live: the row's last check moves on without a reload (checks every second, the page polls)
    const lastCheck = page.locator(`tr[data-rollout="${STEADY}"] time`);
    await lastCheck.waitFor({ timeout: 20_000 });
    const first = await lastCheck.getAttribute('datetime');
    await expect.poll(() => lastCheck.getAttribute('datetime'), { timeout: 20_000 }).not.toBe(first);
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { performance: { navigation: { type: number } } }).performance.navigation
            .type,
      ),
    ).toBe(0);
    const row = await page.locator(`tr[data-rollout="${STEADY}"]`).innerText();
    expect(row).toContain('running');
    expect(row).toContain('canary');
    expect(row).toContain('5%');
    await page.screenshot({ path: join(RESULTS, 'status-list.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
  });

  it("draws a rollout's metric against its threshold", async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/rollouts/${STEADY}`);
    const chart = page.locator('svg.chart[data-metric="error_rate"]');
    // attached, not visible: a flat line has no height
    await chart.locator('polyline.values').waitFor({ state: 'attached', timeout: 20_000 });
    // two checks at least: a line, not a dot
    await expect
      .poll(
        async () => (await chart.locator('polyline.values').getAttribute('points'))?.split(' ').length ?? 0,
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThan(1);
    expect(await chart.locator('line.threshold-rollback').count()).toBe(1);
    expect(await chart.locator('line.threshold-advance').count()).toBe(1);
    expect(await chart.locator('title').first().textContent()).toBe('error_rate over time');
    expect(await page.locator('table.timeline').innerText()).toContain('canary');
    await page.screenshot({ path: join(RESULTS, 'status-rollout.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('refuses a pause without the token and applies it with the token', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/rollouts/${PAUSED}`);
    const result = page.locator('#command-result');

    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => result.getAttribute('data-outcome')).toBe('refused');
    expect(await result.innerText()).toContain('401');
    const before = (await (await fetch(`${stack.url}/api/rollouts/${PAUSED}`)).json()) as { state: string };
    expect(before.state).not.toBe('paused');

    await page.getByRole('textbox', { name: 'API token' }).fill(API_TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await expect.poll(() => page.locator('#token-state').innerText()).toContain('commands enabled');
    await page.getByLabel(/Reason/).fill('browser test');
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => result.getAttribute('data-outcome')).toBe('accepted');
    expect(await result.innerText()).toContain('now paused');
    const after = (await (await fetch(`${stack.url}/api/rollouts/${PAUSED}`)).json()) as { state: string };
    expect(after.state).toBe('paused');
    // the live part follows: the summary says paused without a reload
    await expect.poll(() => page.locator('dl.summary').innerText(), { timeout: 15_000 }).toContain('paused');

    // the token is in sessionStorage, never in a cookie
    expect(await page.context().cookies()).toEqual([]);
    await page.screenshot({ path: join(RESULTS, 'status-paused.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('axe-core does report a violation when there is one (the clean results mean something)', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/`);
    // an unlabeled text field, added through DevTools (the CSP keeps page scripts out)
    await page.evaluate(() => {
      const doc = (
        globalThis as unknown as {
          document: {
            createElement(t: string): object;
            querySelector(s: string): { append(n: object): void };
          };
        }
      ).document;
      doc.querySelector('main').append(doc.createElement('input'));
    });
    expect((await axeViolations(page)).map((v) => v.id)).toContain('label');
  });

  it('the CSP stops an inline script that made it into the page', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/`);
    const ran = await page.evaluate(async () => {
      const g = globalThis as unknown as {
        document: { createElement(t: string): { textContent: string }; body: { append(n: object): void } };
        injected?: boolean;
      };
      const script = g.document.createElement('script');
      script.textContent = 'globalThis.injected = true';
      g.document.body.append(script);
      await new Promise((r) => setTimeout(r, 100));
      return g.injected === true;
    });
    expect(ran).toBe(false);
  });

  it('asks before an abort', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/rollouts/${STEADY}`);
    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('button', { name: 'Abort' }).click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain(`abort ${STEADY}`);
    // dismissed: nothing was sent
    expect(await page.locator('#command-result').innerText()).toBe('');
  });

  // last: it stops the controller
  it('says so when it cannot update, and keeps the last data', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/rollouts/${STEADY}`);
    expect(await page.locator('#live-state').innerText()).toBe('');
    await stack.stopController();
    await expect
      .poll(() => page.locator('#live-state').innerText(), { timeout: 20_000 })
      .toContain('Not updating: the controller cannot be reached');
    expect(await page.locator('svg.chart[data-metric="error_rate"]').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
  });
});
