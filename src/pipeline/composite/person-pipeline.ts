import type { Config, MaskSettings } from '../../config/schema.ts';
import { describeError } from '../../core/errors.ts';
import { type Frame, makeFrame } from '../../core/frame.ts';
import { type Logger, silentLogger } from '../../core/log.ts';
import { sharedUint8 } from '../../core/shared-memory.ts';
import { loadOnnx } from '../../inference/registry/index.ts';
import type { AspectMode } from '../../inference/segmenters/fit.ts';
import { openSegmenter, type Segmenter } from '../../inference/segmenters/index.ts';
import { liveSessionThreads } from '../../inference/threads.ts';
import { type FrameMask, PersonMasker } from '../mask/person-masker.ts';
import { type Background, type CompositeOptions, Compositor } from './compositor.ts';
import { PixelPool } from './pool.ts';
import { SharedPixels } from './shared-frame.ts';

export interface PersonPipelineOptions {
  model: string;
  mask: MaskSettings;
  device?: Config['inference']['device'];
  threads?: number;
  modelsDir?: string;
  log?: Logger;
  /** Pixel worker threads (default: one per core, at most 4). */
  workers?: number;
  aspect?: AspectMode;
  /**
   * Frames of this size go through the mask and both compositing kernels a few times before create()
   * returns, then are forgotten: a new pool's workers compile their kernels before the first real
   * frame instead of on it (`stylecast run` at 720p: 6-8 -> 1-3 frames dropped at start, for ~0.6 s
   * more start-up).
   */
  warmUp?: { width: number; height: number; blurRadius: number };
  /**
   * On the CPU, run the model in the pixel workers (default true; STYLECAST_POOL_MODEL=0 turns it off
   * for comparisons). Off for one-image work, where two more sessions would only cost start-up.
   */
  modelInPool?: boolean;
}

/** Enough synthetic frames for the kernels' hot paths to be compiled (3 left 4 startup drops, 8 left 1). */
const WARM_UP_FRAMES = 8;

/**
 * Segmentation + mask smoothing + compositing in one object: the building block of every mask effect
 * (blur/replace/transparent background here; style-background/person/frame build on it the same way).
 *
 *   const people = await PersonPipeline.create(personPipelineOptions(config, log));
 *   const mask = await people.mask(frame);                 // smoothed, edge-aware mask of this frame
 *   const out = await people.composite(frame, mask, {      // blend on the pixel pool
 *     mode: 'blend', foreground: { kind: 'frame' }, background: { kind: 'image', ...plate } });
 *
 * Call mask() once per frame, in order (it keeps temporal state), then composite() any number of times.
 */
export class PersonPipeline {
  private lastAlpha: Float32Array | undefined;

  private constructor(
    private readonly pool: PixelPool,
    readonly masker: PersonMasker,
    readonly compositor: Compositor,
  ) {}

  static async create(options: PersonPipelineOptions): Promise<PersonPipeline> {
    const log = options.log ?? silentLogger();
    const segmenter = await openSegmenter(options.model, {
      device: options.device,
      threads: options.threads,
      modelsDir: options.modelsDir,
      aspect: options.aspect,
      log,
    });
    let pool: PixelPool;
    try {
      pool = await PixelPool.create(options.workers);
    } catch (error) {
      await segmenter.release();
      throw error;
    }
    let pooledModel: string | undefined;
    try {
      pooledModel = await loadIntoPool(segmenter, pool, options);
      if (options.warmUp) await warmUp(segmenter, pool, options.mask, options.warmUp, pooledModel);
    } catch (error) {
      await Promise.allSettled([pool.dispose(), segmenter.release()]);
      throw error;
    }
    const pixels = new SharedPixels();
    log.info(
      `segmentation: model ${options.model} (${segmenter.aspect}) on ${segmenter.provider}, ${pool.size} pixel workers${pool.simd ? ' (SIMD)' : ''}${pooledModel ? ', the model runs in them' : ''}`,
    );
    return new PersonPipeline(
      pool,
      new PersonMasker(segmenter, pool, pixels, options.mask, pooledModel),
      new Compositor(pool, pixels),
    );
  }

  /**
   * This frame's mask. With the `background` it will be composited over: a blur is made while the
   * model runs, from the previous frame's alpha (composite() then only blends).
   */
  async mask(frame: Frame, background?: Background): Promise<FrameMask> {
    const previous = this.lastAlpha;
    const blur = background?.kind === 'blur' ? background : undefined;
    const mask = await this.masker.mask(
      frame,
      blur && previous
        ? (grid) => this.compositor.prepareBlur(frame, grid, previous, blur.radius)
        : undefined,
    );
    // The smoother's planes live two frames: valid while the next frame's model runs.
    this.lastAlpha = mask.alpha;
    return mask;
  }

  composite(frame: Frame, mask: FrameMask, options: CompositeOptions): Promise<Frame> {
    return this.compositor.composite(frame, mask, options);
  }

  update(mask: MaskSettings): void {
    this.masker.update(mask);
  }

  stats(): Record<string, number | string> {
    return { ...this.masker.stats(), ...this.compositor.stats() };
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([this.pool.dispose(), this.masker.segmenter.release()]);
  }
}

export const personPipelineOptions = (config: Config, log?: Logger): PersonPipelineOptions => ({
  model: config.segmentation.model,
  mask: config.segmentation.mask,
  device: config.inference.device,
  threads: liveSessionThreads(config.inference.threads),
  modelsDir: config.inference.modelsDir,
  log,
  // Live only: a render waits for each frame anyway.
  warmUp: config.input.realtime
    ? { width: config.input.width, height: config.input.height, blurRadius: config.effect.blurRadius }
    : undefined,
});

/**
 * On the CPU, a copy of the segmentation model opens in every pixel worker, and the worker that
 * finishes a frame's shrink runs it (pool-segment.ts): no hops to the main thread and to the
 * session's thread between the shrink and the model. On a GPU provider the model stays on its one
 * session (one device context).
 */
async function loadIntoPool(
  segmenter: Segmenter,
  pool: PixelPool,
  options: PersonPipelineOptions,
): Promise<string | undefined> {
  const wanted = options.modelInPool ?? process.env.STYLECAST_POOL_MODEL !== '0';
  if (!wanted || segmenter.provider !== 'cpu') return undefined;
  const { spec } = segmenter;
  try {
    // Verified when the segmenter opened it; this reads the same file (or the importer's cache).
    const { onnx } = await loadOnnx(spec.registryName, { modelsDir: options.modelsDir, verify: false });
    await pool.loadSegmenter({
      key: spec.name,
      spec: spec.name,
      model: onnx,
      threads: options.threads ?? 0,
      label: `segmentation model '${spec.name}'`,
    });
    return spec.name;
  } catch (error) {
    // The session on its own thread already works: keep streaming on it.
    options.log?.warn(
      `segmentation: the model could not open in the pixel workers (${describeError(error)}); it runs on its own thread`,
    );
    return undefined;
  }
}

/**
 * Runs synthetic frames through a throwaway masker and compositor on the pipeline's own pool and
 * session (the SIMD blend over a blurred background, and the alpha-out mode of transparent-background).
 */
async function warmUp(
  segmenter: Segmenter,
  pool: PixelPool,
  mask: MaskSettings,
  size: { width: number; height: number; blurRadius: number },
  pooledModel: string | undefined,
): Promise<void> {
  const settings = { ...mask, skipSimilarFrames: false };
  const masker = new PersonMasker(segmenter, pool, new SharedPixels(), settings, pooledModel);
  const compositor = new Compositor(pool, new SharedPixels());
  const frame = warmUpFrame(size.width, size.height);
  for (let i = 0; i < WARM_UP_FRAMES; i++) {
    const options: CompositeOptions =
      i % 2 === 0
        ? { mode: 'blend', background: { kind: 'blur', radius: size.blurRadius } }
        : { mode: 'transparent' };
    await compositor.composite(frame, await masker.mask(frame), { ...options, reuseInput: true });
  }
}

/** A light disc (something like a head) on a gradient, on shared memory like a captured frame. */
function warmUpFrame(width: number, height: number): Frame {
  const data = sharedUint8(width * height * 4);
  const radius = Math.min(width, height) / 3;
  for (let y = 0, p = 0; y < height; y++)
    for (let x = 0; x < width; x++, p += 4) {
      const inside = Math.hypot(x - width / 2, y - height / 2) < radius;
      data[p] = inside ? 220 : (x * 255) / width;
      data[p + 1] = inside ? 180 : (y * 255) / height;
      data[p + 2] = inside ? 150 : 90;
      data[p + 3] = 255;
    }
  return makeFrame({ width, height, data, pts: 0, seq: 0, readAt: performance.now() });
}

export type { FrameMask } from '../mask/person-masker.ts';
export type { CompositeOptions } from './compositor.ts';
export type { CompositeMode, ImagePlane, Layer } from './kernels.ts';
