import type { MaskSettings } from '../../config/schema.ts';
import { boxBlur } from './box-filter.ts';
import { type GuidedCoefficients, guidedCoefficients } from './guided.ts';
import { removeSmallIslands } from './islands.ts';
import { hysteresisThreshold, motionAdaptiveEma, motionMap } from './temporal.ts';

/** Guided-filter window radius (grid pixels) and regulariser: fitted on the IoU images (README). */
export const GUIDED_RADIUS = 2;
export const GUIDED_EPSILON = 2e-3;

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

  constructor(private settings: MaskSettings) {}

  update(settings: MaskSettings): void {
    this.settings = settings;
  }

  reset(): void {
    this.probability = undefined;
    this.binary = undefined;
    this.guide = undefined;
  }

  step(probability: Float32Array, guide: Float32Array, width: number, height: number): SmoothedMask {
    const s = this.settings;
    const sameSize = this.probability?.length === probability.length;
    let smoothed = probability;
    if (s.temporalSmoothing > 0 && sameSize && this.probability && this.guide) {
      const motion = motionMap(guide, this.guide, width, height);
      smoothed = motionAdaptiveEma(this.probability, probability, motion, s.temporalSmoothing);
    }
    const binary = hysteresisThreshold(
      smoothed,
      sameSize ? this.binary : undefined,
      s.threshold,
      s.temporalSmoothing > 0 ? s.hysteresis : 0,
    );
    this.probability = smoothed;
    this.binary = binary.slice();
    this.guide = guide;
    return finishMask(binary, guide, width, height, s);
  }
}

/** The per-frame (stateless) tail: islands, contour, feather, guided coefficients. */
export function finishMask(
  binary: Uint8Array,
  guide: Float32Array,
  width: number,
  height: number,
  settings: Pick<MaskSettings, 'smoothContour' | 'feather'>,
): SmoothedMask {
  const n = width * height;
  const minArea = Math.round(settings.smoothContour * 0.01 * n);
  removeSmallIslands(binary, width, height, minArea);
  let alpha: Float32Array = Float32Array.from(binary);
  const contourRadius = Math.round(settings.smoothContour * 2);
  if (contourRadius > 0) {
    // Majority filter: a jagged contour becomes the boundary of the local mean.
    alpha = boxBlur(alpha, width, height, contourRadius);
    for (let i = 0; i < n; i++) alpha[i] = alpha[i] >= 0.5 ? 1 : 0;
  }
  const featherRadius = Math.round(settings.feather * 4);
  if (featherRadius > 0) alpha = boxBlur(alpha, width, height, featherRadius);
  const coefficients = guidedCoefficients(guide, alpha, width, height, GUIDED_RADIUS, GUIDED_EPSILON);
  return { width, height, alpha, coefficients };
}
