import { type PixelSimd, simdPlanes } from '../../core/simd/pixel-simd.ts';
import { boxBlur } from './box-filter.ts';
import { ScratchPlanes } from './scratch.ts';

/**
 * Fast guided filter (He & Sun, "Fast Guided Filter", 2015): the linear coefficients q = A*I + B are
 * fitted at low resolution, where the mask lives, and only their bilinear upsampling and one
 * multiply-add per pixel run at frame resolution — so the mask's edges snap to the frame's edges.
 * Intermediates come from `planes`; the coefficients go to `out` (default: fresh planes). With `simd`
 * the same steps run in WebAssembly (guidedInSimd).
 */
export interface GuidedCoefficients {
  width: number;
  height: number;
  a: Float32Array;
  b: Float32Array;
}

export function guidedCoefficients(
  guide: Float32Array,
  mask: Float32Array,
  width: number,
  height: number,
  radius: number,
  epsilon: number,
  planes = new ScratchPlanes(),
  simd?: PixelSimd,
  out: { a: Float32Array; b: Float32Array } = freshCoefficients(width * height),
): GuidedCoefficients {
  if (simd) return guidedInSimd(guide, mask, width, height, radius, epsilon, simd, out);
  const n = width * height;
  const scratch = planes.float('box', n);
  const ip = planes.float('guided.ip', n);
  const ii = planes.float('guided.ii', n);
  for (let i = 0; i < n; i++) {
    ip[i] = guide[i] * mask[i];
    ii[i] = guide[i] * guide[i];
  }
  const meanI = boxBlur(guide, width, height, radius, planes.float('guided.meanI', n), scratch);
  const meanP = boxBlur(mask, width, height, radius, planes.float('guided.meanP', n), scratch);
  const meanIp = boxBlur(ip, width, height, radius, planes.float('guided.meanIp', n), scratch);
  const meanIi = boxBlur(ii, width, height, radius, planes.float('guided.meanIi', n), scratch);
  const a = ip; // reuse buffers
  const b = ii;
  for (let i = 0; i < n; i++) {
    const variance = meanIi[i] - meanI[i] * meanI[i];
    const covariance = meanIp[i] - meanI[i] * meanP[i];
    a[i] = covariance / (variance + epsilon);
    b[i] = meanP[i] - a[i] * meanI[i];
  }
  return {
    width,
    height,
    a: boxBlur(a, width, height, radius, out.a, scratch),
    b: boxBlur(b, width, height, radius, out.b, scratch),
  };
}

const freshCoefficients = (n: number) => ({ a: new Float32Array(n), b: new Float32Array(n) });

/**
 * guidedCoefficients in WebAssembly SIMD (core/simd): the same steps in f32, box means as direct sums
 * four pixels at a time. 256x144, radius 2: 1.4 -> ~0.34 ms here; A and B agree with the JavaScript
 * version to ~1e-6.
 */
function guidedInSimd(
  guide: Float32Array,
  mask: Float32Array,
  width: number,
  height: number,
  radius: number,
  epsilon: number,
  simd: PixelSimd,
  out: { a: Float32Array; b: Float32Array },
): GuidedCoefficients {
  const n = width * height;
  const { memory, at } = simdPlanes(simd, n, 9);
  new Float32Array(memory, at(0), n).set(guide.subarray(0, n));
  new Float32Array(memory, at(1), n).set(mask.subarray(0, n));
  simd.guided(at(0), at(1), at(2), at(3), at(4), width, height, radius, epsilon);
  out.a.set(new Float32Array(memory, at(2), n));
  out.b.set(new Float32Array(memory, at(3), n));
  return { width, height, a: out.a, b: out.b };
}

/** Coefficients that reproduce `alpha` exactly (A = 0, B = alpha): plain bilinear upsampling. */
export const bilinearCoefficients = (
  alpha: Float32Array,
  width: number,
  height: number,
): GuidedCoefficients => ({
  width,
  height,
  a: new Float32Array(alpha.length),
  b: Float32Array.from(alpha),
});
