import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { CommandError } from '../../src/control/commands.ts';
import type { Frame } from '../../src/core/frame.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Daemon } from '../../src/daemon.ts';
import { MODELS_DIR, media, STYLES_DIR } from '../helpers/shared.ts';

/**
 * The running pipeline (real ffmpeg input, real segmentation, real style models in the worker):
 * style switches reach the output fast and drop no frame, morphs show intermediate frames, and a bad
 * file dropped into the styles folder changes nothing on screen. Runs alone (*.alone.test.ts): what it
 * asserts about drops is this pipeline's timing, not another test's load.
 */

const root = mkdtempSync(join(tmpdir(), 'stylecast-live-'));
const folder = join(root, 'styles');
process.env.STYLECAST_CACHE = join(root, 'cache');
// Styles whose stylized backdrop colours differ clearly (so a switch is visible in the corner patch).
const STYLES = [
  'munch_the_scream.jpg',
  'van_gogh_starry_night.jpg',
  'delaunay_city_of_paris.jpg',
  'klee_abstract.jpg',
  'vallotton_camille_mauclair.jpg',
];

let daemon: Daemon;
/** Per output frame: when it came out and its corner colour (not the pixels: 2 MB a frame would pile up). */
const frames: { at: number; corner: [number, number, number] }[] = [];

/** Mean RGB of the top-left 96x96 corner: plain backdrop in this clip, so it shows the style only. */
function corner(frame: Frame): [number, number, number] {
  const sum = [0, 0, 0];
  for (let y = 0; y < 96; y++)
    for (let x = 0; x < 96; x++) {
      const i = (y * frame.width + x) * 4;
      sum[0] += frame.data[i];
      sum[1] += frame.data[i + 1];
      sum[2] += frame.data[i + 2];
    }
  return sum.map((s) => s / (96 * 96)) as [number, number, number];
}
const distance = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  mkdirSync(folder, { recursive: true });
  for (const f of STYLES) copyFileSync(join(STYLES_DIR, f), join(folder, f));
  const config = validateConfig({
    input: {
      source: media('video', 'woman_plain_backdrop_720x720.mp4'),
      loop: true,
      width: 720,
      height: 720,
      fps: 25,
    },
    effect: { name: 'style-background' },
    style: { folder, name: 'munch-the-scream' },
    inference: { modelsDir: MODELS_DIR },
  });
  daemon = new Daemon({ config, log: silentLogger() });
  daemon.on('frame', (frame: Frame) => frames.push({ at: performance.now(), corner: corner(frame) }));
  await daemon.start();
  // until the first full-detail plate is on screen
  const until = performance.now() + 60_000;
  while (performance.now() < until && frames.length < 40) await sleep(100);
  await sleep(1500);
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('live style switching in the running pipeline', () => {
  // One retry: on this shared 2-core host a burst of other tenants' load cost a frame in about one of 25
  // switch windows (a 46-switch run in a quiet spell: none); a switch that really drops frames drops
  // them again on the second pass.
  it('shows a pre-painted style on the first frames after the command, dropping no frame', {
    retry: 1,
    timeout: 240_000,
  }, async () => {
    const order = [
      'van-gogh-starry-night',
      'delaunay-city-of-paris',
      'klee-abstract',
      'vallotton-camille-mauclair',
    ];
    const effectStats = () =>
      (
        daemon as unknown as { scheduler?: { currentEffect: { stats?(): Record<string, number | string> } } }
      ).scheduler?.currentEffect.stats?.() ?? {};
    // The engine pre-paints the other styles while idle (one single tile every 400 ms at most).
    const until = performance.now() + 60_000;
    while (Number(effectStats().prepainted ?? 0) < order.length && performance.now() < until)
      await sleep(100);
    expect(Number(effectStats().prepainted)).toBeGreaterThanOrEqual(order.length);

    const previewsAtStart = Number(effectStats().previewsShown ?? 0);
    const latencies: number[] = [];
    /** Output frames from the command to the first in the new style, for switches to a kept painting. */
    const framesAfter: number[] = [];
    let coldRounds = 0;
    const gaps: number[] = [];
    /** Frames the scheduler dropped from each command until 1.5 s later (full detail is on screen by then). */
    const drops: number[] = [];
    /** Paintings finished in each round: at least the full-detail one that follows the preview. */
    const painted: number[] = [];
    for (let round = 0; round < 8; round++) {
      const dropsBefore = daemon.stats().drops;
      const paintedBefore = Number(effectStats().stylized ?? 0);
      const before = frames[frames.length - 1].corner;
      const from = frames.length;
      const kept = () =>
        Number(effectStats().previewsShown ?? 0) + Number(effectStats().recentPaintingsShown ?? 0);
      const keptBefore = kept();
      const t0 = performance.now();
      await daemon.bus.execute({ command: 'style', name: order[round % order.length] }, 'api');
      // A kept painting (a pre-painted preview, or the full painting of a style shown recently) is put
      // up synchronously with the command, or not at all.
      const preview = kept() > keptBefore;
      let seen: number | undefined;
      while (performance.now() < t0 + 15_000 && seen === undefined) {
        await sleep(5);
        for (let i = from; i < frames.length && seen === undefined; i++)
          if (distance(frames[i].corner, before) > 12) seen = i;
      }
      expect(seen, `round ${round}: the new style never reached the output`).toBeDefined();
      latencies.push(frames[seen ?? from].at - t0);
      if (preview) framesAfter.push((seen ?? Infinity) - from + 1);
      else coldRounds++;
      await sleep(1500);
      drops.push(daemon.stats().drops - dropsBefore);
      painted.push(Number(effectStats().stylized ?? 0) - paintedBefore);
      for (let i = from + 1; i < frames.length; i++) gaps.push(frames[i].at - frames[i - 1].at);
    }
    latencies.sort((a, b) => a - b);
    const maxGap = Math.max(...gaps);
    console.log(
      `switch command -> first frame in the new style: p50 ${latencies[3].toFixed(0)} ms, max ${latencies[7].toFixed(0)} ms (load ${loadavg()[0].toFixed(1)}); frames after the command (kept paintings): ${framesAfter.join(' ')}; cold switches ${coldRounds}; longest output gap ${maxGap.toFixed(0)} ms; dropped frames per switch: ${drops.join(' ')}`,
    );
    // Load-independent form of the issue's <= 100 ms (measured in ms by `npm run bench`): the frame in
    // progress when the command lands may still use the old painting; the one after it shows the new style.
    expect(Math.max(...framesAfter)).toBeLessThanOrEqual(2);
    // Previews last 30 s and are repainted in idle time; on a heavily loaded machine one may lapse first.
    expect(framesAfter.length).toBeGreaterThanOrEqual(6);
    // The first pass over the four styles shows pre-painted previews (the second, their full paintings).
    expect(Number(effectStats().previewsShown) - previewsAtStart).toBeGreaterThanOrEqual(3);
    // No dropped output frame during a switch: from the command until full detail is on screen, every
    // camera frame reaches the output (the style worker runs below the frame path's priority).
    expect(painted.every((n) => n >= 1)).toBe(true);
    expect(drops).toEqual(drops.map(() => 0));
    // The frame path never waits for a transform: no stall in the output through any switch.
    expect(maxGap).toBeLessThan(1000);
  });

  it('a morph produces intermediate frames between the two styles', async () => {
    await daemon.bus.execute({ command: 'style', name: 'van-gogh-starry-night' }, 'api');
    await sleep(4000);
    const start = frames[frames.length - 1].corner;
    const from = frames.length;
    await daemon.bus.execute({ command: 'morph', name: 'delaunay-city-of-paris', durationMs: 1500 }, 'api');
    await sleep(6000);
    const end = frames[frames.length - 1].corner;
    const span = distance(start, end);
    expect(span).toBeGreaterThan(12);
    const distinct: number[][] = [];
    for (let i = from; i < frames.length; i++) {
      const c = frames[i].corner;
      const between = distance(c, start) > span * 0.1 && distance(c, end) > span * 0.1;
      if (between && distinct.every((d) => distance(d, c) > 2)) distinct.push(c);
    }
    console.log(`morph: ${distinct.length} distinct intermediate looks`);
    expect(distinct.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('a bad style file is reported once and skipped; the daemon keeps running and keeps its style', async () => {
    const rejected: string[] = [];
    daemon.styles.library.on('rejected', ({ file }: { file: string }) => rejected.push(file));
    const styleBefore = daemon.styles.state().style;
    writeFileSync(join(folder, 'broken.jpg'), 'definitely not a jpeg');
    writeFileSync(join(folder, 'empty.png'), '');
    const until = performance.now() + 10_000;
    while (rejected.length < 2 && performance.now() < until) await sleep(50);
    await daemon.styles.library.rescan();
    expect(rejected.length).toBe(2);
    const count = frames.length;
    await sleep(3000);
    expect(frames.length).toBeGreaterThan(count + 2);
    expect(daemon.styles.state().style).toBe(styleBefore);
    const unknown = await daemon.bus.execute({ command: 'style', name: 'broken' }, 'api').catch((e) => e);
    expect(unknown).toBeInstanceOf(CommandError);
    expect((unknown as CommandError).code).toBe('unknown_style');
    expect(daemon.styles.state().style).toBe(styleBefore);
    const state = (await daemon.bus.execute({ command: 'strength', value: 0.5 }, 'api')) as {
      strength: number;
    };
    expect(state.strength).toBe(0.5);
  }, 60_000);
});
