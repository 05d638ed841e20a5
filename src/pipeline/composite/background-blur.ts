import type { PixelSimd } from '../../core/simd/pixel-simd.ts';
import { boxBlur, boxBlurSimd } from '../mask/box-filter.ts';
import type { ImagePlane } from './kernels.ts';

/**
 * Background blur at half the mask-grid resolution (a 16 px blur at 1280 wide is 1.6 px there), weighted by (1 - alpha) so the person's colours do not
 * bleed into the blurred background as a halo (a normalised convolution). Three box passes approximate
 * a Gaussian. The compositor stretches the small result to the frame, which is itself a further blur.
 * `radius` is in grid pixels. Pure; ~128x72, so cheap on any thread (with `simd`: 1.2 -> 0.55 ms here).
 */
export function personAwareBlur(
  gridRgb: Float32Array,
  gridAlpha: Float32Array,
  gridWidth: number,
  gridHeight: number,
  radius: number,
  simd?: PixelSimd,
): ImagePlane {
  const { rgb, alpha, width, height } = halve(gridRgb, gridAlpha, gridWidth, gridHeight);
  const n = width * height;
  const r = Math.max(1, Math.round(radius / 2 / Math.sqrt(3)));
  // Planes: the weight, then each colour times the weight; all four blurred the same way.
  const planes = [0, 1, 2, 3].map(() => new Float32Array(n));
  const [weight] = planes;
  for (let i = 0; i < n; i++) weight[i] = 1 - alpha[i] + 1e-3;
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) planes[c + 1][i] = rgb[i * 3 + c] * weight[i];
  const blurred = planes.map(() => new Float32Array(n));
  if (simd) boxBlurSimd(planes, width, height, r, 3, blurred, simd);
  else {
    const scratch = new Float32Array(n);
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    planes.forEach((plane, i) => {
      boxBlur(plane, width, height, r, a, scratch);
      boxBlur(a, width, height, r, b, scratch);
      boxBlur(b, width, height, r, blurred[i], scratch);
    });
  }
  const weightBlurred = blurred[0];
  const out = new Uint8Array(n * 4);
  for (let c = 0; c < 3; c++) {
    const channel = blurred[c + 1];
    for (let i = 0; i < n; i++) out[i * 4 + c] = Math.min(255, channel[i] / weightBlurred[i] + 0.5);
  }
  for (let i = 0; i < n; i++) out[i * 4 + 3] = 255;
  return { data: out, width, height };
}

/** 2x2 box downsample of an RGB plane and its alpha (odd edges keep their last pixel). */
function halve(rgb: Float32Array, alpha: Float32Array, width: number, height: number) {
  const w = Math.max(1, width >> 1);
  const h = Math.max(1, height >> 1);
  const outRgb = new Float32Array(w * h * 3);
  const outAlpha = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.min(height - 1, y * 2);
    const y1 = Math.min(height - 1, y * 2 + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.min(width - 1, x * 2);
      const x1 = Math.min(width - 1, x * 2 + 1);
      const i = [y0 * width + x0, y0 * width + x1, y1 * width + x0, y1 * width + x1];
      const o = y * w + x;
      outAlpha[o] = (alpha[i[0]] + alpha[i[1]] + alpha[i[2]] + alpha[i[3]]) / 4;
      for (let c = 0; c < 3; c++)
        outRgb[o * 3 + c] =
          (rgb[i[0] * 3 + c] + rgb[i[1] * 3 + c] + rgb[i[2] * 3 + c] + rgb[i[3] * 3 + c]) / 4;
    }
  }
  return { rgb: outRgb, alpha: outAlpha, width: w, height: h };
}
