import { type PixelSimd, simdPlanes } from '../../core/simd/pixel-simd.ts';
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

/**
 * motionAdaptiveEma of `previous` towards `current` (when `motion` is given), then hysteresisThreshold
 * of the result: in one pass in WebAssembly when `simd` is given, with the same numbers bit for bit.
 * Returns the smoothed plane (`current` itself without motion) and the binary one.
 */
export function emaThenThreshold(
  planes: {
    previous?: Float32Array;
    current: Float32Array;
    motion?: Float32Array;
    previousBinary?: Uint8Array;
    smoothedOut: Float32Array;
    binaryOut: Uint8Array;
  },
  settings: { temporalSmoothing: number; threshold: number; band: number },
  simd?: PixelSimd,
): { smoothed: Float32Array; binary: Uint8Array } {
  const { previous, current, motion, previousBinary } = planes;
  const { temporalSmoothing, threshold, band } = settings;
  const ema = previous !== undefined && motion !== undefined;
  if (!simd) {
    const smoothed = ema
      ? motionAdaptiveEma(previous, current, motion, temporalSmoothing, planes.smoothedOut)
      : current;
    const binary = hysteresisThreshold(smoothed, previousBinary, threshold, band, planes.binaryOut);
    return { smoothed, binary };
  }
  const n = current.length;
  const { memory, at } = simdPlanes(simd, n, 6);
  const floats = (i: number) => new Float32Array(memory, at(i), n);
  floats(2).set(current);
  if (ema) {
    floats(1).set(previous);
    floats(3).set(motion);
  }
  if (previousBinary) new Uint8Array(memory, at(5), n).set(previousBinary);
  simd.emaThreshold(
    at(0),
    at(1),
    at(2),
    at(3),
    stillRate(temporalSmoothing),
    at(4),
    at(5),
    f32AtLeast(threshold + band),
    f32AtLeast(threshold - band),
    f32AtLeast(threshold),
    n,
    (ema ? 1 : 0) | (previousBinary ? 2 : 0),
  );
  let smoothed = current;
  if (ema) {
    planes.smoothedOut.set(floats(0));
    smoothed = planes.smoothedOut;
  }
  planes.binaryOut.set(new Uint8Array(memory, at(4), n));
  return { smoothed, binary: planes.binaryOut };
}

/**
 * The smallest f32 at or above `value`: an f32 p compares with it (>=, <) the way it compares with
 * `value` itself in f64.
 */
export function f32AtLeast(value: number): number {
  const f = Math.fround(value);
  if (f >= value) return f;
  const bits = new Float32Array([f]);
  const word = new Int32Array(bits.buffer);
  // The next f32 up: one more unit in the last place for a positive number, one less for a negative.
  if (f === 0) word[0] = 1;
  else word[0] += f > 0 ? 1 : -1;
  return bits[0];
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
