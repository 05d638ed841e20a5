import type { PixelSimd } from '../../core/simd/pixel-simd.ts';
import { lumaOf } from '../composite/resample.ts';
import { boxMeanInto } from './box-filter.ts';
import { ScratchPlanes } from './scratch.ts';

/**
 * Temporal steps on low-resolution planes (values in [0, 1]). Pure: state is passed in and out.
 */

/**
 * Per-pixel motion in [0, 1] from two guide planes (luma in [0, 1]): the absolute difference,
 * spread by a small box so a moving edge also speeds up its neighbours, scaled by `gain`. The result
 * lives in `scratch` (valid until its next use there).
 */
export function motionMap(
  guide: Float32Array,
  previous: Float32Array,
  width: number,
  height: number,
  options: {
    gain?: number;
    noiseFloor?: number;
    radius?: number;
    scratch?: ScratchPlanes;
    simd?: PixelSimd;
  } = {},
): Float32Array {
  const { gain = 12, noiseFloor = 0, radius = 2, scratch = new ScratchPlanes(), simd } = options;
  const n = guide.length;
  const diff = scratch.float('motion.diff', n);
  for (let i = 0; i < n; i++) diff[i] = Math.abs(guide[i] - previous[i]);
  const spread = boxMeanInto(diff, width, height, radius, scratch.float('motion', n), scratch, simd);
  for (let i = 0; i < spread.length; i++) spread[i] = Math.min(1, Math.max(0, spread[i] - noiseFloor) * gain);
  return spread;
}

/** The EMA rate of a still pixel for a `temporalSmoothing` setting in [0, 1] (1 = follow at once). */
export const stillRate = (temporalSmoothing: number): number =>
  1 - 0.85 * Math.min(1, Math.max(0, temporalSmoothing));

/**
 * Exponential moving average with a motion-dependent rate: where the picture moves the mask follows
 * the new estimate at once; where it is still, model noise is averaged out over several frames.
 */
export function motionAdaptiveEma(
  previous: Float32Array,
  current: Float32Array,
  motion: Float32Array,
  temporalSmoothing: number,
  out: Float32Array = new Float32Array(current.length),
): Float32Array {
  const base = stillRate(temporalSmoothing);
  for (let i = 0; i < current.length; i++) {
    const rate = base + (1 - base) * motion[i];
    out[i] = previous[i] + rate * (current[i] - previous[i]);
  }
  return out;
}

/**
 * Threshold with hysteresis: above threshold+band turns on, below threshold-band turns off, and in
 * between a pixel keeps its previous state (or the plain threshold when there is none).
 */
export function hysteresisThreshold(
  probability: Float32Array,
  previous: Uint8Array | undefined,
  threshold: number,
  band: number,
  out: Uint8Array = new Uint8Array(probability.length),
): Uint8Array {
  const on = threshold + band;
  const off = threshold - band;
  for (let i = 0; i < probability.length; i++) {
    const p = probability[i];
    if (p >= on && p >= threshold) out[i] = 1;
    else if (p < off || (band === 0 && p < threshold)) out[i] = 0;
    else out[i] = previous ? previous[i] : p >= threshold ? 1 : 0;
  }
  return out;
}

/** Peak signal-to-noise ratio (dB) of two planes in [0, 1]; Infinity when identical. */
export function psnr(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  const mse = sum / a.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);
}

/**
 * The skip-similar-frames gate, wherever the model runs: writes the grid's luma into `guide` and says
 * whether the model may be skipped (allowed, and PSNR >= minPsnr against the last inferred frame's).
 */
export function skipsModel(
  gridRgb: Float32Array,
  guide: Float32Array,
  inferredGuide: Float32Array,
  maySkip: boolean,
  minPsnr: number,
): boolean {
  lumaOf(gridRgb, guide);
  return maySkip && psnr(guide, inferredGuide) >= minPsnr;
}
