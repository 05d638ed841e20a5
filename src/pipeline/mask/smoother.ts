import type { MaskSettings } from '../../config/schema.ts';
import { loadPixelSimd, type PixelSimd, simdPlanes } from '../../core/simd/pixel-simd.ts';
import { boxMeanInto } from './box-filter.ts';
import { type GuidedCoefficients, guidedCoefficients } from './guided.ts';
import { removeSmallIslands } from './islands.ts';
import { PlaneRing, ScratchPlanes } from './scratch.ts';
import { emaThenThreshold, motionMap } from './temporal.ts';

/** Guided-filter window radius (grid pixels) and regulariser: fitted on the IoU images (README). */
export const GUIDED_RADIUS = 2;
export const GUIDED_EPSILON = 2e-3;

/** A step's planes are reused two steps later: a caller may compare a frame's mask with the previous one. */
export interface SmoothedMask {
  width: number;
  height: number;
  /** Final low-resolution alpha in [0, 1] (after temporal, hysteresis, islands, contour, feather). */
  alpha: Float32Array;
  /** Coefficients that upsample `alpha` to frame resolution along the frame's edges. */
  coefficients: GuidedCoefficients;
}

/**
 * The mask's life over time, on the low-resolution grid (the frame's aspect, long side ~256):
 * motion-adaptive EMA of the probability -> hysteresis threshold -> small-island removal -> contour
 * smoothing (majority filter) -> feather -> guided-filter coefficients with the frame's luma as guide.
 * All steps are pure functions; this class only keeps the previous frame's planes.
 */
export class MaskSmoother {
  private probability: Float32Array | undefined;
  private binary: Uint8Array | undefined;
  private guide: Float32Array | undefined;
  private readonly scratch = new ScratchPlanes();
  /** prepare()'s motion map and the guide it was made from. */
  private prepared: { guide: Float32Array; motion: Float32Array | undefined } | undefined;
  /** The EMA's output planes, used in turn: one holds the state the next is computed from. */
  private readonly emaPlanes = new PlaneRing(2, (n) => new Float32Array(n));
  /** The thresholded state (kept for the next frame's hysteresis) and the results, two of each in turn. */
  private readonly binaries = new PlaneRing(2, (n) => new Uint8Array(n));
  private readonly results = {
    alpha: new PlaneRing(2, (n) => new Float32Array(n)),
    a: new PlaneRing(2, (n) => new Float32Array(n)),
    b: new PlaneRing(2, (n) => new Float32Array(n)),
  };

  /** @param simd WebAssembly SIMD kernels for the guided filter and box means (undefined: JavaScript). */
  constructor(
    private settings: MaskSettings,
    private readonly simd: PixelSimd | undefined = loadPixelSimd(),
  ) {}

  update(settings: MaskSettings): void {
    this.settings = settings;
  }

  reset(): void {
    this.probability = undefined;
    this.binary = undefined;
    this.guide = undefined;
    this.prepared = undefined;
  }

  /**
   * Makes the next step's motion map ahead of step() (it needs only the guide): the masker calls it
   * while the model runs. step() with the same guide plane uses it; any step() forgets it. Returns
   * it (undefined without temporal smoothing or a previous frame).
   */
  prepare(guide: Float32Array, width: number, height: number): Float32Array | undefined {
    this.prepared =
      this.settings.temporalSmoothing > 0 ? { guide, motion: this.motion(guide, width, height) } : undefined;
    return this.prepared?.motion;
  }

  /** Motion of `guide` against the previous frame's (undefined without one of the same size). */
  private motion(guide: Float32Array, width: number, height: number): Float32Array | undefined {
    if (this.guide?.length !== guide.length) return undefined;
    return motionMap(guide, this.guide, width, height, { scratch: this.scratch, simd: this.simd });
  }

  step(probability: Float32Array, guide: Float32Array, width: number, height: number): SmoothedMask {
    const s = this.settings;
    const sameSize = this.probability?.length === probability.length;
    const prepared = this.prepared?.guide === guide ? this.prepared : undefined;
    this.prepared = undefined;
    const motion =
      s.temporalSmoothing > 0 && sameSize && this.probability
        ? prepared
          ? prepared.motion
          : this.motion(guide, width, height)
        : undefined;
    const n = width * height;
    const { smoothed, binary } = emaThenThreshold(
      {
        previous: this.probability,
        current: probability,
        motion,
        previousBinary: sameSize ? this.binary : undefined,
        smoothedOut: this.emaPlanes.next(probability.length),
        binaryOut: this.binaries.next(n),
      },
      {
        temporalSmoothing: s.temporalSmoothing,
        threshold: s.threshold,
        band: s.temporalSmoothing > 0 ? s.hysteresis : 0,
      },
      this.simd,
    );
    this.probability = smoothed;
    this.binary = binary;
    this.guide = guide;
    // finishMask edits its binary in place; the state above stays as thresholded.
    const work = this.scratch.bytes('smoother.binary', n);
    work.set(binary);
    const { alpha, a, b } = this.results;
    return finishMask(work, guide, width, height, s, this.scratch, this.simd, {
      alpha: alpha.next(n),
      a: a.next(n),
      b: b.next(n),
    });
  }
}

/** The per-frame (stateless) tail: islands, contour, feather, guided coefficients. */
export function finishMask(
  binary: Uint8Array,
  guide: Float32Array,
  width: number,
  height: number,
  settings: Pick<MaskSettings, 'smoothContour' | 'feather'>,
  scratch = new ScratchPlanes(),
  simd?: PixelSimd,
  /** Where the results go (default: fresh planes); the steps before them reuse `scratch`. */
  out?: { alpha: Float32Array; a: Float32Array; b: Float32Array },
): SmoothedMask {
  const n = width * height;
  const minArea = Math.round(settings.smoothContour * 0.01 * n);
  removeSmallIslands(binary, width, height, minArea, scratch);
  const contourRadius = Math.round(settings.smoothContour * 2);
  const featherRadius = Math.round(settings.feather * 4);
  if (simd) {
    const radii = { contour: contourRadius, feather: featherRadius };
    return finishInSimd(binary, guide, width, height, radii, simd, out ?? freshResults(n));
  }
  const alpha = out?.alpha ?? new Float32Array(n);
  const work = scratch.float('finish.alpha', n);
  for (let i = 0; i < n; i++) work[i] = binary[i];
  if (contourRadius > 0) {
    // Majority filter: a jagged contour becomes the boundary of the local mean.
    const mean = boxMeanInto(work, width, height, contourRadius, scratch.float('finish.mean', n), scratch);
    for (let i = 0; i < n; i++) work[i] = mean[i] >= 0.5 ? 1 : 0;
  }
  if (featherRadius > 0) boxMeanInto(work, width, height, featherRadius, alpha, scratch);
  else alpha.set(work);
  const coefficients = guidedCoefficients(
    guide,
    alpha,
    width,
    height,
    GUIDED_RADIUS,
    GUIDED_EPSILON,
    scratch,
    undefined,
    out,
  );
  return { width, height, alpha, coefficients };
}

const freshResults = (n: number) => ({
  alpha: new Float32Array(n),
  a: new Float32Array(n),
  b: new Float32Array(n),
});

/**
 * finishMask's steps after the islands in one WebAssembly call (finishTail: the same kernels as box
 * means and guidedCoefficients with `simd`, without copying planes in and out between them).
 */
function finishInSimd(
  binary: Uint8Array,
  guide: Float32Array,
  width: number,
  height: number,
  radii: { contour: number; feather: number },
  simd: PixelSimd,
  out: { alpha: Float32Array; a: Float32Array; b: Float32Array },
): SmoothedMask {
  const n = width * height;
  const { memory, at } = simdPlanes(simd, n, 13);
  // The binary plane is read four bytes at a time: its padding is zeroed.
  new Uint8Array(memory, at(0), at(1) - at(0)).fill(0).set(binary.subarray(0, n));
  new Float32Array(memory, at(1), n).set(guide.subarray(0, n));
  simd.finishTail(
    at(0),
    at(1),
    at(2),
    at(3),
    at(4),
    at(5),
    width,
    height,
    radii.contour,
    radii.feather,
    GUIDED_RADIUS,
    GUIDED_EPSILON,
  );
  out.alpha.set(new Float32Array(memory, at(2), n));
  out.a.set(new Float32Array(memory, at(3), n));
  out.b.set(new Float32Array(memory, at(4), n));
  return { width, height, alpha: out.alpha, coefficients: { width, height, a: out.a, b: out.b } };
}
