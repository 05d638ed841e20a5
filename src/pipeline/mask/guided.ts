import { boxBlur } from './box-filter.ts';

/**
 * Fast guided filter (He & Sun, "Fast Guided Filter", 2015): the linear coefficients q = A*I + B are
 * fitted at low resolution, where the mask lives, and only their bilinear upsampling and one
 * multiply-add per pixel run at frame resolution — so the mask's edges snap to the frame's edges.
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
): GuidedCoefficients {
  const n = width * height;
  const scratch = new Float32Array(n);
  const ip = new Float32Array(n);
  const ii = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ip[i] = guide[i] * mask[i];
    ii[i] = guide[i] * guide[i];
  }
  const meanI = boxBlur(guide, width, height, radius, undefined, scratch);
  const meanP = boxBlur(mask, width, height, radius, undefined, scratch);
  const meanIp = boxBlur(ip, width, height, radius, undefined, scratch);
  const meanIi = boxBlur(ii, width, height, radius, undefined, scratch);
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
    a: boxBlur(a, width, height, radius, undefined, scratch),
    b: boxBlur(b, width, height, radius, undefined, scratch),
  };
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
