import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StatusSchema } from '../../src/control/api/target.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { REPO } from '../helpers/shared.ts';
import { type Harness, startHarness } from './harness.ts';

/** The control panel in real headless Chromium against a real daemon. */

const ARTIFACTS = join(REPO, 'test-artifacts');
let h: Harness;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  h = await startHarness({ statsIntervalMs: 250 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  await page.goto(`${h.base}/`);
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

const status = async () => StatusSchema.parse(await (await fetch(`${h.base}/api/v1/status`)).json());

it('loads with the gallery, live stats and a preview that keeps updating', async () => {
  await page.locator('.style-card[data-name]').nth(9).waitFor();
  expect(await page.locator('.style-card[data-name] img').count()).toBeGreaterThanOrEqual(10);
  await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'connected');
  await page.waitForFunction(() => Number(document.getElementById('preview')?.dataset.updates) >= 1);
  const first = await page.locator('#preview').getAttribute('src');
  await page.waitForFunction(() => Number(document.getElementById('preview')?.dataset.updates) >= 3, null, {
    timeout: 10_000,
  });
  expect(await page.locator('#preview').getAttribute('src')).not.toBe(first);
  const natural = await page.locator('#preview').evaluate((img: HTMLImageElement) => img.naturalWidth);
  expect(natural).toBeGreaterThan(100);
  await page.waitForFunction(() => Number(document.getElementById('fps-value')?.textContent) > 0);
  // thumbnails really decoded
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLImageElement>('.style-card img')].every(
      (i) => i.complete && i.naturalWidth > 0,
    ),
  );
});

it('clicking a style switches the pipeline style (checked through the API)', async () => {
  await page.locator('.style-card[data-name="klee-abstract"]').click();
  // The first style command loads the style models (a few seconds on 2 cores).
  await expect.poll(async () => (await status()).style.name, { timeout: 30_000 }).toBe('klee-abstract');
  await page.locator('.style-card.active[data-name="klee-abstract"]').waitFor();
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await status()).style.name, { timeout: 5000 }).not.toBe('klee-abstract');
});

it('effect buttons, strength keys and the record button drive the daemon', async () => {
  await page.locator('#effects button[data-effect="none"]').click();
  await expect.poll(async () => (await status()).effect.name).toBe('none');
  // A mouse click leaves the arrows to the shortcuts (only a keyboard user's focus picks effects).
  expect(await page.evaluate(() => document.activeElement?.closest('#effects'))).toBeNull();
  const before = (await status()).style.strength;
  await page.keyboard.press('ArrowDown');
  await expect.poll(async () => (await status()).style.strength).toBeLessThan(before);
  await page.locator('#record').click();
  await expect.poll(async () => (await status()).recording.active).toBe(true);
  await page.locator('#record.on').waitFor();
  await page.locator('#outputs li', { hasText: 'recording' }).waitFor();
  await page.keyboard.press('r');
  await expect.poll(async () => (await status()).recording.active).toBe(false);
});

it('adds a style from the upload tile', async () => {
  const png = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#e07a2f' } })
    .png()
    .toBuffer();
  await page.setInputFiles('#upload', { name: 'Sunset Study.png', mimeType: 'image/png', buffer: png });
  await page.locator('.style-card[data-name^="sunset-study-"] img').waitFor();
  await page.locator('#toast.show').waitFor();
  expect(await page.locator('#toast').textContent()).toMatch(/^Added style sunset-study-/);
});

it('an upload answered by something other than the API (a proxy page, the daemon gone) is one readable toast', async () => {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#204080' } })
    .png()
    .toBuffer();
  const errorsBefore = consoleErrors.length;
  await page.route('**/api/v1/styles?name=*', (route) =>
    route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' }),
  );
  try {
    await page.setInputFiles('#upload', { name: 'Proxy.png', mimeType: 'image/png', buffer: png });
    await page.waitForFunction(() => document.getElementById('toast')?.textContent?.includes('HTTP 502'));
    expect(await page.locator('#toast').textContent()).toBe('stylecast answered HTTP 502 without a message');
    // The route's 502 itself is logged by Chromium; an uncaught error in the page is not expected.
    const added = consoleErrors.splice(errorsBefore);
    expect(added.filter((e) => !/502/.test(e))).toEqual([]);
  } finally {
    await page.unroute('**/api/v1/styles?name=*');
  }
});

it("moves the daemon's mask settings from the Mask sliders and the skip checkbox", async () => {
  await page.locator('#mask-group summary').click();
  const feather = page.locator('#mask-feather');
  await feather.waitFor();
  // A range input takes a value set by script plus an 'input' event, as a drag gives.
  await feather.evaluate((el: HTMLInputElement) => {
    el.value = '0.7';
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await expect.poll(async () => (await status()).mask.feather, { timeout: 5000 }).toBe(0.7);
  expect(h.daemon.config.segmentation.mask.feather).toBe(0.7);
  await page.locator('#mask-skip').uncheck();
  await expect.poll(async () => (await status()).mask.skipSimilarFrames, { timeout: 5000 }).toBe(false);
  await expect.poll(() => page.locator('#mask-feather-value').textContent()).toBe('0.70');
  await page.locator('#mask-group summary').click(); // closed again, as the next test expects
});

it('has no console errors, and a screenshot is saved', async () => {
  await page.locator('.style-card[data-name="van-gogh-starry-night"]').click();
  await page.locator('#mask-group summary').click();
  await page.waitForTimeout(1200); // a few stats points in the graphs
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'control-panel.png'), fullPage: true });
  // A phone: nothing wider than the screen, the Record button still on it.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const record = await page.locator('#record').boundingBox();
  expect((record?.x ?? 1e9) + (record?.width ?? 0)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: join(ARTIFACTS, 'control-panel-mobile.png') });
  expect(consoleErrors).toEqual([]);
});
