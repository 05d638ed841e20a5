import type { MaskSettings } from '../../config/schema.ts';
import type { Frame } from '../../core/frame.ts';
import { sharedFloat32 } from '../../core/shared-memory.ts';
import { RollingWindow, summarize } from '../../core/stats.ts';
import {
  type FitGeometry,
  type GridTaps,
  gridSize,
  gridTaps,
  modelPlaneToGrid,
} from '../../inference/segmenters/fit.ts';
import type { Segmenter } from '../../inference/segmenters/segmenter.ts';
import type { SegmenterSpec } from '../../inference/segmenters/spec.ts';
import type { PixelPool } from '../composite/pool.ts';
import type { AreaJob, AreaJobs } from '../composite/resample.ts';
import type { SharedPixels } from '../composite/shared-frame.ts';
import { PlaneRing } from './scratch.ts';
import { MaskSmoother, type SmoothedMask } from './smoother.ts';
import { skipsModel } from './temporal.ts';

/** After this many skipped frames in a row, infer anyway (slow drifts never pass the gate). */
const MAX_SKIPS_IN_A_ROW = 15;

export interface FrameMask extends SmoothedMask {
  frameWidth: number;
  frameHeight: number;
  /**
   * The frame shrunk to the mask grid (interleaved RGB 0..255): the source of cheap background blur.
   * A reused buffer: valid until the next frame's mask.
   */
  gridRgb: Float32Array;
  /** True when inference was skipped (the frame was nearly identical to the last inferred one). */
  skipped: boolean;
}

/** A frame shrunk to the mask grid (interleaved RGB 0..255), before its mask is known. */
export interface GridFrame {
  gridRgb: Float32Array;
  width: number;
  height: number;
  /** Where it moved since the previous frame, in [0, 1] (undefined without temporal smoothing). */
  motion?: Float32Array;
}

export interface FrameEstimate {
  /** Mask grid size (the frame's aspect, long side ~256). */
  width: number;
  height: number;
  probability: Float32Array;
  guide: Float32Array;
  gridRgb: Float32Array;
  skipped: boolean;
}

/** One frame's way to the model: its shrinks, and what the gate and the motion map need. */
interface ModelStep {
  shrinks: AreaJobs;
  rows: number;
  b: SizedBuffers;
  guide: Float32Array;
  maySkip: boolean;
  whileInferring: () => void;
}

interface ModelOutcome {
  inferred: boolean;
  /** The model's part of the frame (0 when skipped in the pool). */
  inferMs: number;
}

interface SizedBuffers {
  key: string;
  geometry: FitGeometry;
  grid: { width: number; height: number };
  /** Where the model's output is sampled onto the grid (made once per size, not per frame). */
  taps: GridTaps;
  region: Float32Array;
  /** The model sees the whole frame at the grid's size (selfie-landscape on 16:9): one shrink serves both. */
  gridIsRegion: boolean;
  /**
   * The region's shrink writes the model's input itself (regionInputEncoding): the pool's worker only
   * copies it into its tensor instead of encoding it.
   */
  regionEncoding?: { subtract: number; multiply: number };
  gridRgb: Float32Array;
  /** The last inferred frame's guide (the skip gate compares against it). */
  inferredGuide: Float32Array;
  /** P(person) at the model's input size, from the last run (a pool worker writes it, or the session's output). */
  modelPlane: Float32Array;
}

/**
 * Frame -> smoothed person mask. Frame-resolution work (shrinking the frame for the model and for the
 * mask grid) runs on the pixel pool; the model runs there too, right after the shrink (CPU), or on
 * its session's own thread (GPU providers); only grid-sized planes (~256x144) are touched on the main
 * thread.
 */
export class PersonMasker {
  private readonly smoother: MaskSmoother;
  private buffers: SizedBuffers | undefined;
  /**
   * Per-frame planes in turn instead of fresh ones: an estimate's guide and probability must outlive
   * their frame by one (the smoother and the stability meter compare with the previous frame).
   */
  // Shared: a pool worker writes the guide when it runs the model (pool-segment.ts).
  private readonly guides = new PlaneRing(3, (n) => sharedFloat32(n));
  private readonly probabilities = new PlaneRing(3, (n) => new Float32Array(n));
  private lastProbability: Float32Array | undefined;
  private skipsInRow = 0;
  private readonly counts = { frames: 0, inferred: 0, skipped: 0 };
  private readonly timings = {
    prepare: new RollingWindow(),
    infer: new RollingWindow(),
    smooth: new RollingWindow(),
  };

  constructor(
    readonly segmenter: Segmenter,
    private readonly pool: PixelPool,
    private readonly pixels: SharedPixels,
    private settings: MaskSettings,
    /** The key of the segmenter's copy open in the pool's workers (PixelPool.loadSegmenter), if any. */
    private readonly pooledModel?: string,
    private readonly gridLongSide = 256,
  ) {
    this.smoother = new MaskSmoother(settings);
  }

  update(settings: MaskSettings): void {
    this.settings = settings;
    this.smoother.update(settings);
  }

  /**
   * The smoothed mask of this frame (call once per frame, in order: it keeps temporal state).
   * `whileInferring` gets the frame's grid once the model has started on it (or skipped it).
   */
  async mask(frame: Frame, whileInferring?: (grid: GridFrame) => void): Promise<FrameMask> {
    // The motion map needs only the guide: it is made on this thread while the model runs on its own.
    const estimate = await this.estimate(frame, (guide, width, height, gridRgb) => {
      const motion = this.smoother.prepare(guide, width, height);
      whileInferring?.({ gridRgb, width, height, motion });
    });
    const t0 = performance.now();
    const smoothed = this.smoother.step(
      estimate.probability,
      estimate.guide,
      estimate.width,
      estimate.height,
    );
    this.timings.smooth.push(performance.now() - t0);
    return {
      ...smoothed,
      frameWidth: frame.width,
      frameHeight: frame.height,
      gridRgb: estimate.gridRgb,
      skipped: estimate.skipped,
    };
  }

  /**
   * The raw per-frame estimate on the mask grid, before any smoothing: P(person), the frame's luma
   * (the guide) and RGB. Inference is skipped when the skip-similar-frames gate says so.
   */
  async estimate(
    frame: Frame,
    /** Runs once the model has been started on this frame (or skipped), before its result is awaited. */
    whileInferring?: (guide: Float32Array, width: number, height: number, gridRgb: Float32Array) => void,
  ): Promise<FrameEstimate> {
    const t0 = performance.now();
    const rgba = this.pixels.frame(frame);
    const b = this.sized(frame.width, frame.height);
    const { src, dst } = b.geometry;
    const shrink = (rect: typeof src, out: Float32Array, outWidth: number, outHeight: number) => ({
      rgba,
      width: frame.width,
      height: frame.height,
      srcX: rect.x,
      srcY: rect.y,
      srcWidth: rect.width,
      srcHeight: rect.height,
      out,
      outWidth,
      outHeight,
    });
    const whole = { x: 0, y: 0, width: frame.width, height: frame.height };
    const shrinks: AreaJob[] = [
      { ...shrink(src, b.region, dst.width, dst.height), encode: b.regionEncoding },
    ];
    if (!b.gridIsRegion) shrinks.push(shrink(whole, b.gridRgb, b.grid.width, b.grid.height));
    const rows = dst.height + (b.gridIsRegion ? 0 : b.grid.height);
    const gridPixels = b.grid.width * b.grid.height;
    const guide = this.guides.next(gridPixels);
    this.counts.frames++;
    const maySkip =
      this.settings.skipSimilarFrames &&
      // Set together with b.inferredGuide, and cleared when the buffers change size (reset()).
      this.lastProbability !== undefined &&
      this.skipsInRow < MAX_SKIPS_IN_A_ROW;
    const model: ModelStep = {
      shrinks: { shrinks },
      rows,
      b,
      guide,
      maySkip,
      // The motion map needs only the guide: made on this thread while the model runs elsewhere.
      whileInferring: () => whileInferring?.(guide, b.grid.width, b.grid.height, b.gridRgb),
    };
    const { inferred, inferMs } = this.pooledModel
      ? await this.inPool(this.pooledModel, model)
      : await this.onItsOwnThread(model);
    const t1 = performance.now() - inferMs;
    let probability: Float32Array;
    if (!inferred && this.lastProbability) {
      probability = this.lastProbability;
      this.skipsInRow++;
      this.counts.skipped++;
    } else {
      probability = modelPlaneToGrid(
        b.modelPlane,
        b.geometry,
        b.grid.width,
        b.grid.height,
        0,
        this.probabilities.next(gridPixels),
        b.taps,
      );
      this.lastProbability = probability;
      this.skipsInRow = 0;
      this.counts.inferred++;
    }
    this.timings.prepare.push(t1 - t0);
    this.timings.infer.push(inferMs);
    return {
      width: b.grid.width,
      height: b.grid.height,
      probability,
      guide,
      gridRgb: b.gridRgb,
      skipped: !inferred,
    };
  }

  /**
   * Shrinks, gate and model in one pool job: the worker that writes the shrink's last band decides
   * the gate and runs its copy of the model (pool-segment.ts), so no other thread wakes in between.
   */
  private async inPool(key: string, step: ModelStep): Promise<ModelOutcome> {
    const { b, guide } = step;
    let started = false;
    const result = await this.pool.shrinkAndSegment(
      step.shrinks,
      step.rows,
      {
        key,
        region: b.region,
        regionIsInput: b.regionEncoding !== undefined,
        dst: b.geometry.dst,
        gridRgb: b.gridRgb,
        guide,
        inferredGuide: b.inferredGuide,
        maySkip: step.maySkip,
        minPsnr: this.settings.similarityPsnr,
        probability: b.modelPlane,
      },
      () => {
        started = true;
        step.whileInferring();
      },
    );
    if (!started) step.whileInferring();
    return result;
  }

  /** The shrink job, the gate here, then the segmenter's session on its own thread (GPU providers). */
  private async onItsOwnThread(step: ModelStep): Promise<ModelOutcome> {
    const { b, guide } = step;
    await this.pool.run('areas', step.shrinks, step.rows);
    const start = performance.now();
    const minPsnr = this.settings.similarityPsnr;
    const inferred = !skipsModel(b.gridRgb, guide, b.inferredGuide, step.maySkip, minPsnr);
    if (inferred) {
      // infer() encodes the region into its own tensor before it awaits: no copy needed here.
      const inference = this.segmenter.infer(b.region, b.geometry);
      step.whileInferring();
      b.modelPlane = await inference;
      b.inferredGuide.set(guide);
    } else step.whileInferring();
    return { inferred, inferMs: performance.now() - start };
  }

  /** Forget the previous frames (a new scene, a seek). */
  reset(): void {
    this.smoother.reset();
    this.lastProbability = undefined;
  }

  stats(): Record<string, number | string> {
    const p = summarize(this.timings.prepare);
    const i = summarize(this.timings.infer);
    const s = summarize(this.timings.smooth);
    return {
      model: this.segmenter.spec.name,
      provider: this.segmenter.provider,
      modelRunsIn: this.pooledModel ? 'pixel workers' : 'its own thread',
      framesMasked: this.counts.frames,
      inferences: this.counts.inferred,
      skippedSimilar: this.counts.skipped,
      prepareMsP50: p.p50,
      inferMsP50: i.p50,
      inferMsP95: i.p95,
      smoothMsP50: s.p50,
    };
  }

  private sized(width: number, height: number): SizedBuffers {
    const key = `${width}x${height}`;
    if (this.buffers?.key === key) return this.buffers;
    const geometry = this.segmenter.geometry(width, height);
    const { inputWidth, inputHeight } = this.segmenter.spec;
    // Never coarser than the model's own output.
    const grid = gridSize(width, height, Math.max(this.gridLongSide, inputWidth, inputHeight));
    const { src, dst } = geometry;
    const gridIsRegion =
      src.x === 0 &&
      src.y === 0 &&
      src.width === width &&
      src.height === height &&
      dst.width === grid.width &&
      dst.height === grid.height;
    const region = sharedFloat32(dst.width * dst.height * 3);
    this.buffers = {
      regionEncoding:
        this.pooledModel && !gridIsRegion ? regionInputEncoding(this.segmenter.spec, dst) : undefined,
      key,
      geometry,
      grid,
      taps: gridTaps(geometry, grid.width, grid.height),
      region,
      gridIsRegion,
      // The model's input is copied into its tensor before inference: sharing the plane is safe.
      gridRgb: gridIsRegion ? region : sharedFloat32(grid.width * grid.height * 3),
      inferredGuide: sharedFloat32(grid.width * grid.height),
      modelPlane: sharedFloat32(this.segmenter.spec.inputWidth * this.segmenter.spec.inputHeight),
    };
    this.reset();
    return this.buffers;
  }
}

/**
 * The normalisation a region shrink can apply itself, so that its output is the model's input as it
 * is: channel-last RGB, one mean and scale for all channels, the region filling the input (no pad).
 */
export function regionInputEncoding(
  spec: SegmenterSpec,
  dst: { x: number; y: number; width: number; height: number },
): { subtract: number; multiply: number } | undefined {
  const [m0, m1, m2] = spec.mean;
  const [k0, k1, k2] = spec.scale;
  const fills =
    dst.x === 0 && dst.y === 0 && dst.width === spec.inputWidth && dst.height === spec.inputHeight;
  const uniform = m0 === m1 && m1 === m2 && k0 === k1 && k1 === k2;
  return spec.layout === 'nhwc' && spec.channelOrder === 'rgb' && uniform && fills
    ? { subtract: m0, multiply: k0 }
    : undefined;
}
