import type { Config, MaskSettings } from '../../config/schema.ts';
import type { Frame } from '../../core/frame.ts';
import { type Logger, silentLogger } from '../../core/log.ts';
import type { AspectMode } from '../../inference/segmenters/fit.ts';
import { openSegmenter } from '../../inference/segmenters/index.ts';
import { liveSessionThreads } from '../../inference/threads.ts';
import { type FrameMask, PersonMasker } from '../mask/person-masker.ts';
import { type CompositeOptions, Compositor } from './compositor.ts';
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
}

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
    const pixels = new SharedPixels();
    log.info(
      `segmentation: model ${options.model} (${segmenter.aspect}) on ${segmenter.provider}, ${pool.size} pixel workers${pool.simd ? ' (SIMD)' : ''}`,
    );
    return new PersonPipeline(
      pool,
      new PersonMasker(segmenter, pool, pixels, options.mask),
      new Compositor(pool, pixels),
    );
  }

  mask(frame: Frame): Promise<FrameMask> {
    return this.masker.mask(frame);
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
});

export type { FrameMask } from '../mask/person-masker.ts';
export type { CompositeOptions } from './compositor.ts';
export type { CompositeMode, ImagePlane, Layer } from './kernels.ts';
