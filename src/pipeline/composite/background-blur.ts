import { boxBlur } from '../mask/box-filter.ts';
import type { ImagePlane } from './kernels.ts';

/**
 * Background blur at mask-grid resolution, weighted by (1 - alpha) so the person's colours do not
 * bleed into the blurred background as a halo (a normalised convolution). Three box passes approximate
 * a Gaussian. The compositor stretches the small result to the frame, which is itself a further blur.
 * `radius` is in grid pixels. Pure; grid-sized (~256x144), so cheap on any thread.
 */
export function personAwareBlur(
  gridRgb: Float32Array,
  alpha: Float32Array,
  width: number,
  height: number,
  radius: number,
): ImagePlane {
  const n = width * height;
  const r = Math.max(1, Math.round(radius / Math.sqrt(3)));
  const weight = new Float32Array(n);
  for (let i = 0; i < n; i++) weight[i] = 1 - alpha[i] + 1e-3;
  const scratch = new Float32Array(n);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const blur3 = (plane: Float32Array): Float32Array => {
    boxBlur(plane, width, height, r, a, scratch);
    boxBlur(a, width, height, r, b, scratch);
    return boxBlur(b, width, height, r, new Float32Array(n), scratch);
  };
  const weightBlurred = blur3(weight);
  const out = new Uint8Array(n * 4);
  const plane = new Float32Array(n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) plane[i] = gridRgb[i * 3 + c] * weight[i];
    const blurred = blur3(plane);
    for (let i = 0; i < n; i++) out[i * 4 + c] = Math.min(255, blurred[i] / weightBlurred[i] + 0.5);
  }
  for (let i = 0; i < n; i++) out[i * 4 + 3] = 255;
  return { data: out, width, height };
}
