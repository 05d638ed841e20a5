import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommand } from '../../src/control/api/dispatch.ts';
import { ApiServer } from '../../src/control/api/server.ts';
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

it('a recording that failed says so on the Record button and once as a readable line', async () => {
  const { page, problems } = await openPanel();
  await connected(page);
  // The recorder's own failure (disk full, say) as the daemon reports it.
  const real = h.daemon.recordingStatus.bind(h.daemon);
  const error = 'ffmpeg exited: No space left on device';
  h.daemon.recordingStatus = () => ({ active: false, path: '/rec/a.mkv', state: 'failed', error });
  try {
    await runCommand(h.target, { command: 'strength', value: 0.9 }, 'api'); // any change pushes state
    await page.locator('#record.failed').waitFor();
    expect(await page.locator('#record-label').textContent()).toBe('Recording failed');
    expect(await page.locator('#record').getAttribute('title')).toContain(error);
    expect(await page.locator('#toast').textContent()).toBe(`Recording stopped: ${error}`);
  } finally {
    h.daemon.recordingStatus = real;
  }
  await runCommand(h.target, { command: 'strength', value: 1 }, 'api');
  await page.locator('#record:not(.failed)').waitFor();
  expect(await page.locator('#record-label').textContent()).toBe('Record');
  expect(problems).toEqual([]);
  await page.close();
});

it('a slider drag sends values as it goes, a few a second, and holds the slider until let go', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  // Each strength command the panel sends, with the page's clock.
  await page.addInitScript(() => {
    const sent: { at: number; value: number }[] = [];
    Object.assign(window, { sentStrength: sent });
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      const message = JSON.parse(String(data));
      if (message.command === 'strength') sent.push({ at: performance.now(), value: message.value });
      return send.call(this, data);
    };
  });
  await page.goto(`${h.base}/`);
  await connected(page);
  // 60 input events 16 ms apart, as a pointer drag gives, from 0.05 up to 0.8 (after a reset to 1).
  await post({ command: 'strength', value: 1 });
  await page.waitForFunction(() => document.getElementById('strength-value')?.textContent === '100%');
  const drag = page.evaluate(async () => {
    const input = document.getElementById('strength') as HTMLInputElement;
    input.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    for (let i = 1; i <= 60; i++) {
      input.value = String(Math.min(0.8, 0.05 + Math.floor(i / 4) * 0.05));
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((resolve) => setTimeout(resolve, 16));
    }
    const sentWhileHeld = (window as unknown as { sentStrength: unknown[] }).sentStrength.length;
    return sentWhileHeld;
  });
  const sentWhileHeld = await drag;
  expect(sentWhileHeld).toBeGreaterThanOrEqual(2); // it followed the pointer, not only the pause
  // The last position (0.8) goes out up to 100 ms after the last input: let it land first, or the
  // other client's value below may come before it and be overwritten (a race, not the behaviour).
  await expect.poll(async () => (await status()).style.strength, { timeout: 5000 }).toBe(0.8);
  // Another client moves strength while the slider is held: the slider stays under the pointer.
  await post({ command: 'strength', value: 0.2 });
  await page.waitForFunction(() => document.getElementById('strength-value')?.textContent === '20%');
  expect(await page.locator('#strength').inputValue()).toBe('0.8');
  await page.evaluate(() => {
    const input = document.getElementById('strength') as HTMLInputElement;
    input.dispatchEvent(new PointerEvent('pointerup', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  // After letting go the slider shows the daemon's value again (0.2, set by the other client last).
  await page.waitForFunction(() => (document.getElementById('strength') as HTMLInputElement).value === '0.2');
  const sent = await page.evaluate(
    () => (window as unknown as { sentStrength: { at: number }[] }).sentStrength,
  );
  for (let i = 1; i < sent.length; i++) expect(sent[i].at - sent[i - 1].at).toBeGreaterThanOrEqual(95);
  await page.close();
});

it('token mode: with the token it works; without it, or with a wrong one, it says so once and stops retrying', async () => {
  const secret = 'panel-token-0123456789abcdef';
  const t = await startHarness({ host: '0.0.0.0', token: secret, statsIntervalMs: 250 });
  try {
    const good = await openPanel(`${t.base}/?token=${secret}`);
    await connected(good.page);
    await good.page.locator('.style-card[data-name] img').first().waitFor();
    expect(good.problems).toEqual([]);
    await good.page.close();
    for (const [query, pill, text] of [
      ['', 'token needed', /^This stylecast needs its token\./],
      ['?token=not-the-token-at-all', 'wrong token', /^The token in this page's address is wrong\./],
    ] as const) {
      const { page } = await openPanel(`${t.base}/${query}`);
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await page.waitForFunction((p) => document.getElementById('conn')?.textContent === p, pill);
      expect(await page.locator('#notice').textContent()).toMatch(text);
      expect(await page.locator('#notice').isVisible()).toBe(true);
      sockets.length = 0;
      await page.waitForTimeout(1500); // no retry can fix the token
      expect(sockets).toEqual([]);
      await page.close();
    }
  } finally {
    await t.stop();
  }
});

it('the effect buttons are a radio group: one Tab stop, arrow keys pick the effect, global arrows elsewhere', async () => {
  const { page, problems } = await openPanel();
  await connected(page);
  await post({ command: 'effect', name: 'none' });
  await post({ command: 'strength', value: 1 });
  await page.locator('#effects button[data-effect="none"][aria-checked="true"]').waitFor();
  await page.waitForFunction(() => document.getElementById('strength-value')?.textContent === '100%');
  const style = (await status()).style.name;
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return el.closest('#effects') ? (el.dataset.effect ?? '') : `outside: ${el.id || el.tagName}`;
    });
  // Tab leaves the group from its checked button, and Shift+Tab comes back to that one.
  expect(await page.locator('#effects button[tabindex="0"]').count()).toBe(1);
  await page.locator('#effects button[data-effect="none"]').focus();
  await page.keyboard.press('Tab');
  expect(await focused()).toMatch(/^outside/);
  await page.keyboard.press('Shift+Tab');
  expect(await focused()).toBe('none');
  // Arrows move the choice (the effect list starts none, blur-background), not strength or style.
  await page.keyboard.press('ArrowDown');
  expect(await focused()).toBe('blur-background');
  await expect.poll(async () => (await status()).effect.name, { timeout: 30_000 }).toBe('blur-background');
  await page.locator('#effects button[data-effect="blur-background"][tabindex="0"]').waitFor();
  await page.keyboard.press('ArrowLeft');
  await expect.poll(async () => (await status()).effect.name, { timeout: 30_000 }).toBe('none');
  expect(await focused()).toBe('none');
  const after = await status();
  expect([after.style.name, after.style.strength]).toEqual([style, 1]);
  // Outside the group the arrows are the global shortcuts again.
  await page.evaluate(() => (document.activeElement as HTMLElement).blur());
  await page.keyboard.press('ArrowDown');
  await expect.poll(async () => (await status()).style.strength, { timeout: 10_000 }).toBe(0.95);
  expect(problems).toEqual([]);
  await page.close();
});

it('an answered command leaves no timer behind (each used to keep its 30 s no-answer timer)', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  // The page's timers of 30 s or more that are still waiting to fire.
  await page.addInitScript(() => {
    type Timers = {
      setTimeout: (fn: () => void, ms?: number) => number;
      clearTimeout: (id: number) => void;
      longTimers: Set<number>;
    };
    const w = window as unknown as Timers;
    const waiting = new Set<number>();
    const set = w.setTimeout.bind(window);
    const clear = w.clearTimeout.bind(window);
    w.longTimers = waiting;
    w.setTimeout = (fn, ms) => {
      const id = set(() => {
        waiting.delete(id);
        fn();
      }, ms);
      if ((ms ?? 0) >= 30_000) waiting.add(id);
      return id;
    };
    w.clearTimeout = (id) => {
      waiting.delete(id);
      clear(id);
    };
  });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  await page.goto(`${h.base}/`);
  await connected(page);
  await post({ command: 'strength', value: 1 });
  await page.waitForFunction(() => document.getElementById('strength-value')?.textContent === '100%');
  await page.locator('#strength').focus(); // so ArrowDown moves the slider, not the global shortcut
  await page.keyboard.press('ArrowDown'); // one strength command over the WebSocket
  await expect.poll(async () => (await status()).style.strength, { timeout: 10_000 }).toBe(0.95);
  // The answer follows the state change within milliseconds; 5 s is far from the old 30 s.
  await page.waitForFunction(
    () => (window as unknown as { longTimers: Set<number> }).longTimers.size === 0,
    null,
    {
      timeout: 5000,
    },
  );
  expect(problems).toEqual([]);
  await page.close();
});

// Last in this file: it replaces the harness's API server with a new one on the same port.
it('says when the daemon is gone, stays quiet meanwhile, and comes back by itself with the right state', async () => {
  const { page, problems } = await openPanel();
  await connected(page);
  await page.waitForFunction(() => Number(document.getElementById('preview')?.dataset.updates) >= 1);
  const previewRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/preview.jpg')) previewRequests.push(r.url());
  });
  // A screen reader hears the connection pill change (a polite live region), not every stats tick.
  const liveness = (id: string) =>
    page.evaluate((i) => document.getElementById(i)?.closest('[aria-live]')?.getAttribute('aria-live'), id);
  expect(await liveness('conn')).toBe('polite');
  expect(await liveness('fps-pill')).toBeUndefined();
  // Each text the pill shows from here on (retries must not rewrite it: each rewrite is announced).
  await page.evaluate(() => {
    const pill = document.getElementById('conn') as HTMLElement;
    const shown: string[] = [];
    Object.assign(window, { connShown: shown });
    new MutationObserver(() => shown.push(pill.textContent ?? '')).observe(pill, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  const port = h.server.port;
  await h.server.stop();
  await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'reconnecting…');
  previewRequests.length = 0;
  // The last frame stays but is not passed off as live: dimmed, labelled, and so described.
  const preview = () =>
    page.evaluate(() => {
      const img = document.getElementById('preview') as HTMLImageElement;
      return {
        opacity: Number(getComputedStyle(img).opacity),
        label: document.getElementById('preview-paused')?.checkVisibility() ?? false,
        alt: img.alt,
      };
    });
  expect(await preview()).toEqual({
    opacity: 0.35,
    label: true,
    alt: 'Output preview, paused: not connected to stylecast',
  });
  // A command while it is down says so in words (not fetch's 'Failed to fetch').
  await page.locator('#record').click();
  await page.locator('#toast.show').waitFor();
  expect(await page.locator('#toast').textContent()).toMatch(/^stylecast is not reachable/);
  await page.waitForTimeout(2500);
  // The preview is not polled into a dead server (a console error twice a second).
  expect(previewRequests).toEqual([]);
  await runCommand(h.target, { command: 'strength', value: 0.4 }, 'api'); // changed while the panel was away
  const again = new ApiServer({ target: h.target, host: '127.0.0.1', port, statsIntervalMs: 250 });
  await again.start();
  try {
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'connected', null, {
      timeout: 15_000,
    });
    await page.waitForFunction(() => document.getElementById('strength-value')?.textContent === '40%');
    // Announced twice: gone (once, though it retried meanwhile) and back.
    expect(await page.evaluate(() => (window as unknown as { connShown: string[] }).connShown)).toEqual([
      'reconnecting…',
      'connected',
    ]);
    const updates = Number(await page.locator('#preview').getAttribute('data-updates'));
    await page.waitForFunction(
      (n) => Number(document.getElementById('preview')?.dataset.updates) > n,
      updates,
      { timeout: 10_000 },
    );
    expect(again.clients).toBe(1);
    expect(await preview()).toEqual({ opacity: 1, label: false, alt: 'Live output preview' });
    // Besides the browser's lines for refused WebSocket connections (a few, with back-off), only the
    // one for the Record click.
    expect(problems.filter((p) => !/WebSocket connection to .* failed/.test(p))).toEqual([
      'error: Failed to load resource: net::ERR_CONNECTION_REFUSED',
    ]);
  } finally {
    await page.close();
    await again.stop();
  }
});
