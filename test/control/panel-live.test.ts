import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StatusSchema } from '../../src/control/api/target.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { type Harness, startHarness } from './harness.ts';

/** The control panel as a streamer leaves it open: recording, daemon restarts, token mode, drags. */

let h: Harness;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness({ statsIntervalMs: 250 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

interface Panel {
  page: Page;
  /** Console errors/warnings and page errors seen so far. */
  problems: string[];
}

async function openPanel(url = `${h.base}/`): Promise<Panel> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, problems };
}

const connected = (page: Page) =>
  page.waitForFunction(() => document.getElementById('conn')?.textContent === 'connected');

const status = async () => StatusSchema.parse(await (await fetch(`${h.base}/api/v1/status`)).json());
const post = async (command: Record<string, unknown>) =>
  (
    await fetch(`${h.base}/api/v1/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(command),
    })
  ).json();

it('the recording clock on the Record button counts up while recording', async () => {
  const { page, problems } = await openPanel();
  await connected(page);
  await page.locator('#record').click();
  await page.locator('#record.on').waitFor();
  // Nothing else changes, so no `state` event comes: the clock must count by itself.
  await page.waitForFunction(
    () => /^Stop · 00:0[2-9]$/.test(document.getElementById('record-label')?.textContent ?? ''),
    null,
    { timeout: 10_000 },
  );
  await post({ command: 'record', action: 'stop' });
  await page.locator('#record:not(.on)').waitFor();
  expect(await page.locator('#record-label').textContent()).toBe('Record');
  expect((await status()).recording.active).toBe(false);
  expect(problems).toEqual([]);
  await page.close();
});
