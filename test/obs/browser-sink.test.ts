import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidFrame } from '../../src/core/frame.ts';
import { BrowserSink, PAGE_PATH } from '../../src/output/browser-sink.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startDaemon } from '../helpers/daemon-process.ts';
import { freePort } from '../helpers/obs.ts';

// The browser-source page in real headless Chromium (Debian's OBS has no browser source to test with).

type PageStats = { received: number; drawn: number; lastSeq: number; connected: boolean };

describe('browser-source sink in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let sink: BrowserSink;
  let port: number;

  beforeAll(async () => {
    sink = new BrowserSink({ maxBufferedBytes: 640 * 360 * 4 });
    await sink.start();
    port = await sink.listen(0);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}${PAGE_PATH}`);
    await page.waitForFunction(() => (window as unknown as { stylecast: PageStats }).stylecast.connected);
  });

  afterAll(async () => {
    await browser?.close();
    await sink?.stop();
  });

  const stats = () => page.evaluate(() => (window as unknown as { stylecast: PageStats }).stylecast);
  const pixel = (x: number, y: number) =>
    page.evaluate(
      ([px, py]) => {
        const canvas = document.getElementById('out') as HTMLCanvasElement;
        return Array.from(canvas.getContext('2d')!.getImageData(px, py, 1, 1).data);
      },
      [x, y],
    );

  it('draws the frame with its alpha on a transparent page', async () => {
    expect(sink.clients).toBe(1);
    sink.write(solidFrame(64, 48, [255, 0, 0, 128], 7));
    await page.waitForFunction(() => (window as unknown as { stylecast: PageStats }).stylecast.lastSeq === 7);
    const px = await pixel(10, 10);
    expect(px[0]).toBeGreaterThan(250);
    expect(px[1]).toBeLessThan(5);
    expect(px[3]).toBe(128);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgba(0, 0, 0, 0)');
    const size = await page.evaluate(() => {
      const c = document.getElementById('out') as HTMLCanvasElement;
      return [c.width, c.height];
    });
    expect(size).toEqual([64, 48]);
  });

  it('shows only the newest frame: a burst is dropped server-side and the page ends on the last one', async () => {
    const before = await stats();
    const droppedBefore = sink.stats().dropped;
    const burst = 120;
    let lastSeq = 0;
    // Made before the burst, so the burst itself is only writes: it must outpace the page's reading
    // (making each frame inside the loop let Chromium drain the socket in between under some loads).
    const frames = Array.from({ length: burst }, (_, i) =>
      solidFrame(640, 360, i === burst - 1 ? [0, 0, 255, 255] : [0, 255, 0, 255], 1000 + i),
    );
    for (const frame of frames) {
      lastSeq = frame.seq;
      sink.write(frame);
    }
    // The burst went out faster than one socket can carry: most frames must have been dropped here.
    const dropped = sink.stats().dropped - droppedBefore;
    console.log(`burst of ${burst}: ${dropped} dropped`);
    expect(dropped).toBeGreaterThan(burst / 2);
    // The newest frame of the burst waited for the socket to drain and then went out: the page ends on
    // it although no later frame came (a page that fell behind never stays on an older frame).
    await page.waitForFunction(
      (seq) => (window as unknown as { stylecast: PageStats }).stylecast.lastSeq === seq,
      1000 + burst - 1,
      { timeout: 10_000 },
    );
    const after = await stats();
    expect(after.received - before.received).toBeLessThan(burst / 2);
    expect(after.drawn).toBeLessThanOrEqual(after.received);
    const px = await pixel(320, 180);
    expect(px).toEqual([0, 0, 255, 255]);
    expect(lastSeq).toBe(1000 + burst - 1);
  });

  it('a second page gets frames too, and a page that goes away is forgotten', async () => {
    const other = await browser.newPage();
    await other.goto(`http://127.0.0.1:${port}${PAGE_PATH}`);
    await other.waitForFunction(() => (window as unknown as { stylecast: PageStats }).stylecast.connected);
    expect(sink.clients).toBe(2);
    sink.write(solidFrame(32, 32, [1, 2, 3, 4], 9));
    await other.waitForFunction(
      () => (window as unknown as { stylecast: PageStats }).stylecast.lastSeq === 9,
    );
    await other.close();
    await expect.poll(() => sink.clients, { timeout: 3000 }).toBe(1);
  });
});

describe('the page on the daemon API port, in `stylecast run`', () => {
  it('shows the running pipeline’s frames in Chromium', async () => {
    const port = await freePort();
    const daemon = await startDaemon({
      args: [
        ...['--input', 'test', '--effect', 'none', '--width', '320', '--height', '240', '--no-obs'],
        ...['--port', String(port), '--stats-every', '0'],
      ],
      env: { STYLECAST_CONFIG: '' },
      waitReady: false,
    });
    const browser = await launchChromium();
    try {
      await expect
        .poll(() => daemon.output(), { timeout: 20_000 })
        .toContain('OBS browser source: http://127.0.0.1:');
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}${PAGE_PATH}`);
      await page.waitForFunction(
        () => (window as unknown as { stylecast: PageStats }).stylecast.drawn > 3,
        undefined,
        {
          timeout: 10_000,
        },
      );
      const info = await page.evaluate(() => {
        const c = document.getElementById('out') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set<string>();
        for (let p = 0; p < d.length; p += 4 * 97) colours.add(`${d[p]},${d[p + 1]},${d[p + 2]},${d[p + 3]}`);
        return { size: [c.width, c.height], colours: colours.size, alpha: d[3] };
      });
      expect(info.size).toEqual([320, 240]);
      expect(info.alpha).toBe(255);
      expect(info.colours).toBeGreaterThan(5); // the colourful test pattern, not a slate
    } finally {
      await browser.close();
      await daemon.stop(8000, 'SIGINT');
    }
  });
});
