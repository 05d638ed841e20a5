import { join } from 'node:path';
import { validateConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/core/log.ts';
import { Daemon } from '../src/daemon.ts';
import { findStyleModels, type StyleVariant } from '../src/inference/stylizer/models.ts';
import { openStylizer } from '../src/inference/stylizer/open.ts';
import { readImageRgba } from '../src/pipeline/style/image.ts';
import { type BenchOptions, type BenchSection, flagValue, mb, sampleRss } from './lib.ts';
import { measureFlicker } from './style-flicker.ts';

/**
 * Style transfer: transform cost per variant (one 384 tile, a 1280x720 frame as overlapping tiles, a
 * single padded tile), the live pipeline at 1280x720@30 with style-background (output fps, style
 * refresh rate, switch latency, per-stage ms, CPU, RSS) and style-frame (every frame stylized), and the
 * background plate's temporal stability against naive per-frame stylization.
 * Needs the Magenta models (STYLECAST_MODELS or ../shared/models) and a styles folder (STYLECAST_STYLES or ../shared/styles).
 */

const SHARED = join(import.meta.dirname, '..', '..', 'shared');
const MODELS = process.env.STYLECAST_MODELS ?? join(SHARED, 'models');
const STYLES = process.env.STYLECAST_STYLES ?? join(SHARED, 'styles');
const VIDEO = join(SHARED, 'media', 'video', 'woman_plain_backdrop_720x720.mp4');

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
};

async function transformCosts(quick: boolean): Promise<BenchSection> {
  const rows: Record<string, string | number>[] = [];
  const content = await readImageRgba(join(SHARED, 'media', 'style_golden', 'content_input_image.jpg'));
  const frame = new Uint8Array(1280 * 720 * 4).fill(128);
  for (const variant of ['int8', 'fp16', 'dynamic'] as StyleVariant[]) {
    if (!findStyleModels(variant, { modelsDir: MODELS })) continue;
    const { stylizer } = await openStylizer({ variant, modelsDir: MODELS, threads: 2 });
    const b = await stylizer.predict(content.rgba, content.width, content.height);
    const time = async (fn: () => Promise<unknown>, n: number) => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await fn();
        ms.push(performance.now() - t0);
      }
      return ms;
    };
    const n = quick ? 5 : 20;
    const tile = await time(() => stylizer.stylizeSquare(content.rgba, content.width, content.height, b), n);
    const full = await time(
      () => stylizer.stylizeFrame(frame, 1280, 720, b, { detail: 1 }),
      Math.ceil(n / 2),
    );
    const tiled = await time(
      () => stylizer.stylizeFrame(frame, 1280, 720, b, { detail: 2 }),
      Math.ceil(n / 4),
    );
    const single = await time(
      () => stylizer.stylizeFrame(frame, 1280, 720, b, { single: true }),
      Math.ceil(n / 2),
    );
    const predict = await time(
      () => stylizer.predict(content.rgba, content.width, content.height),
      Math.ceil(n / 2),
    );
    rows.push({
      variant,
      'tile p50 ms': percentile(tile, 0.5),
      'tile p95 ms': percentile(tile, 0.95),
      'free size': (await stylizer.takesFreeSize()) ? 'yes' : 'no',
      '720p detail 1 p50 ms': percentile(full, 0.5),
      '720p single p50 ms': percentile(single, 0.5),
      '720p detail 2 p50 ms': percentile(tiled, 0.5),
      'refresh/s (detail 1)': 1000 / percentile(full, 0.5),
      'refresh/s (single)': 1000 / percentile(single, 0.5),
      'predict p50 ms': percentile(predict, 0.5),
    });
    await stylizer.release();
  }
  return {
    title: 'style transform, ONNX Runtime CPU, 2 threads (floor ~13.5 ms per 384 tile)',
    rows,
    notes: [
      'detail 1 = the whole 1280x720 frame in one transform at 680x384 where the graph takes free sizes, else 2 overlapping 384 tiles (no squashing either way); single = the whole frame at 384x216 (else one padded 384 tile); detail 2 = 6 overlapping 384 tiles',
    ],
  };
}

export async function live(
  effect: 'style-background' | 'style-frame',
  seconds: number,
  drive: 'switches' | 'toggles' | 'morphs' | 'none',
  at: { width: number; height: number; fps: number; device?: string } = { width: 1280, height: 720, fps: 30 },
) {
  const switches = drive === 'switches' || drive === 'toggles';
  const config = validateConfig({
    input: { source: VIDEO, loop: true, width: at.width, height: at.height, fps: at.fps },
    effect: { name: effect },
    style: { folder: STYLES, name: 'van-gogh-starry-night' },
    inference: { modelsDir: MODELS, ...(at.device ? { device: at.device } : {}) },
  });
  const daemon = new Daemon({ config, log: silentLogger() });
  await daemon.start();
  // Warm-up: library, first plate, JIT; with switches also the engine's pre-painting of the likely next
  // styles (one single tile per 0.4 s at most), as a streamer switches minutes into a stream.
  await new Promise((r) => setTimeout(r, switches ? 8000 : 3000));
  const effectStats = () =>
    (
      daemon as unknown as { scheduler?: { currentEffect: { stats?(): Record<string, number | string> } } }
    ).scheduler?.currentEffect.stats?.() ?? {};
  const before = { stats: daemon.stats(), cpu: process.cpuUsage(), at: performance.now() };
  const rss = sampleRss(500);
  // 'switches': a style not painted yet every time (more styles than the engine keeps paintings of);
  // 'toggles': back and forth between two, as a streamer does from two Stream Deck buttons.
  const names =
    drive === 'toggles'
      ? ['hokusai-great-wave', 'van-gogh-starry-night']
      : [
          'hokusai-great-wave',
          'klee-abstract',
          'munch-the-scream',
          'delaunay-city-of-paris',
          'grasset-art-nouveau',
          'kandinsky-black-and-violet',
          'kandinsky-composition-vii',
          'vallotton-camille-mauclair',
          'van-doesburg-composition-xiii',
        ];
  const stylizedBefore = Number(effectStats().stylized ?? 0);
  for (let t = 0, k = 0; t < seconds; t++) {
    // 'morphs': one morph after another (2 s each), so the plate is repainted back to back all along.
    if (drive === 'morphs' && t % 2 === 0)
      await daemon.bus.execute({ command: 'morph', name: names[k++ % names.length], durationMs: 2000 });
    await new Promise((r) => setTimeout(r, 1000));
    if (switches && t % 2 === 1)
      await daemon.bus.execute({ command: 'style', name: names[k++ % names.length] });
  }
  const samples = rss.stop();
  const after = { stats: daemon.stats(), cpu: process.cpuUsage(before.cpu), at: performance.now() };
  const e = effectStats();
  await daemon.stop();
  const wall = (after.at - before.at) / 1000;
  return {
    effect: `${drive === 'none' ? effect : `${effect} (${drive})`}${at.device ? ` on ${at.device}` : ''}`,
    size: `${at.width}x${at.height}@${at.fps}`,
    'output fps': (after.stats.framesOut - before.stats.framesOut) / wall,
    drops: after.stats.drops - before.stats.drops,
    'process p50 ms': after.stats.stages.process.p50,
    'process p95 ms': after.stats.stages.process.p95,
    'e2e p95 ms': after.stats.stages.endToEnd.p95,
    'style refresh/s':
      drive === 'morphs' || drive === 'none'
        ? (Number(e.stylized ?? 0) - stylizedBefore) / wall
        : (e.styleRefreshPerS ?? 0),
    'stylize p50 ms': e.stylizeMsP50 ?? 0,
    'stylize p95 ms': e.stylizeMsP95 ?? 0,
    'plate p50 ms': e.plateMsP50 ?? 'n/a',
    'mask infer p50 ms': e.inferMsP50 ?? 'n/a',
    'composite p50 ms': e.compositeMsP50 ?? 'n/a',
    'switch p50 ms': switches ? (e.switchMsP50 ?? 0) : 'n/a',
    'switch p95 ms': switches ? (e.switchMsP95 ?? 0) : 'n/a',
    'full detail p50 ms': switches ? (e.fullDetailMsP50 ?? 0) : 'n/a',
    'full detail p95 ms': switches ? (e.fullDetailMsP95 ?? 0) : 'n/a',
    'switches new (preview)/recent': switches
      ? `${e.switches ?? 0} (${e.previewSwitches ?? 0})/${e.recentSwitches ?? 0}`
      : 'n/a',
    'cold switch p50 ms': switches && Number(e.coldSwitches) > 0 ? (e.coldSwitchMsP50 ?? 0) : 'n/a',
    'recent switch p50 ms': switches && Number(e.recentSwitches) > 0 ? (e.recentSwitchMsP50 ?? 0) : 'n/a',
    'cpu %': ((after.cpu.user + after.cpu.system) / 1e6 / wall) * 100,
    'peak rss MB': mb(Math.max(...samples)),
  };
}

export async function run(options: BenchOptions): Promise<BenchSection[]> {
  const seconds = options.quick ? 6 : 20;
  const device = flagValue(options.argv, '--device');
  const sections: BenchSection[] = [await transformCosts(options.quick)];
  sections.push({
    title: 'live style pipeline, 1280x720@30 (file input, real segmentation + style worker)',
    rows: [
      await live('style-background', seconds, 'switches'),
      await live('style-background', seconds, 'toggles'),
      await live('style-background', seconds, 'morphs'),
      await live('style-frame', seconds, 'none'),
      // The GPU target (style-frame 1920x1080 at 60): only with --device (e.g. webgpu, cuda) on a machine that has one.
      ...(device
        ? [await live('style-frame', seconds, 'none', { width: 1920, height: 1080, fps: 60, device })]
        : []),
    ],
    notes: [
      'targets: style-background output 30 fps, style refresh >= 15/s (fastest variant), switch p95 <= 100 ms; style-frame >= 15 fps',
      'style refresh/s: with switches, the repaints actually needed over the last 3 s (switches, scene changes, steady 0.5/s); with morphs (one 2 s morph after another) and style-frame, paintings per second over the whole run: the achieved style rate',
      'cpu % is this process (main thread + worker threads), out of 200 % on 2 cores',
      'with --device NAME (webgpu, cuda, …) a style-frame row at 1920x1080@60 runs on that provider: the GPU target is 60 new paintings/s there (style refresh/s); on this 2-core CPU it is ~16',
      'switch p50/p95: command to the first output frame in a style not shown recently (the switches row cycles nine styles, more than the engine keeps full paintings of): a pre-painted preview shows at once, full detail follows (full detail p50/p95); cold = neither pre-painted nor recent, waiting for a single tile; switching back to a style shown recently shows its full painting at once and is counted apart (recent switch p50: the toggles row, two styles back and forth)',
    ],
  });
  const config = validateConfig({ inference: { modelsDir: MODELS } });
  const flicker = await measureFlicker({
    config,
    video: VIDEO,
    width: 720,
    height: 720,
    frames: options.quick ? 30 : 120,
    styleImage: join(STYLES, 'van_gogh_starry_night.jpg'),
  });
  sections.push({
    title: 'temporal stability of the stylized background (woman_plain_backdrop_720x720.mp4)',
    rows: [
      {
        frames: flicker.frames,
        'plate flicker': flicker.plate,
        'naive flicker': flicker.naive,
        'plate / naive': flicker.ratio,
        'plate stylizations': flicker.plateStylizations,
        target: '<= 0.333',
      },
    ],
    notes: ['flicker = mean |frame t - frame t-1| (0..255) over pixels that are background in both frames'],
  });
  return sections;
}
