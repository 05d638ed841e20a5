/**
 * Separable box filter on a single-channel float plane: running sums, O(1) per pixel whatever the
 * radius, edges clamped (each output is the mean of the window's pixels that lie inside the plane).
 */
export function boxBlur(
  src: Float32Array,
  width: number,
  height: number,
  radius: number,
  out: Float32Array = new Float32Array(width * height),
  scratch: Float32Array = new Float32Array(width * height),
): Float32Array {
  const r = Math.max(0, Math.floor(radius));
  if (r === 0) {
    if (out !== src) out.set(src);
    return out;
  }
  // Horizontal pass: src -> scratch. Window counts only change near the edges: precompute 1/count.
  const invCount = new Float64Array(width);
  for (let x = 0; x < width; x++) invCount[x] = 1 / (Math.min(width - 1, x + r) - Math.max(0, x - r) + 1);
  const right0 = Math.min(width - 1, r);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    for (let x = 0; x <= right0; x++) sum += src[row + x];
    for (let x = 0; x < width; x++) {
      scratch[row + x] = sum * invCount[x];
      if (x + r + 1 < width) sum += src[row + x + r + 1];
      if (x - r >= 0) sum -= src[row + x - r];
    }
  }
  // Vertical pass: scratch -> out, row by row (running column sums keep memory access sequential).
  const sums = new Float64Array(width);
  const bottom0 = Math.min(height - 1, r);
  for (let y = 0; y <= bottom0; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) sums[x] += scratch[row + x];
  }
  for (let y = 0; y < height; y++) {
    const inv = 1 / (Math.min(height - 1, y + r) - Math.max(0, y - r) + 1);
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = sums[x] * inv;
    const add = y + r + 1;
    const drop = y - r;
    if (add < height) {
      const addRow = add * width;
      for (let x = 0; x < width; x++) sums[x] += scratch[addRow + x];
    }
    if (drop >= 0) {
      const dropRow = drop * width;
      for (let x = 0; x < width; x++) sums[x] -= scratch[dropRow + x];
    }
  }
  return out;
}

/** Three box passes approximate a Gaussian of sigma ~ radius (per channel of an interleaved plane). */
export function gaussianLikeBlurInterleaved(
  src: Float32Array,
  width: number,
  height: number,
  channels: number,
  radius: number,
): Float32Array {
  const plane = new Float32Array(width * height);
  const a = new Float32Array(width * height);
  const b = new Float32Array(width * height);
  const out = new Float32Array(src.length);
  const r = Math.max(1, Math.round(radius / Math.sqrt(3)));
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane.length; i++) plane[i] = src[i * channels + c];
    boxBlur(plane, width, height, r, a, b);
    boxBlur(a, width, height, r, plane, b);
    boxBlur(plane, width, height, r, a, b);
    for (let i = 0; i < plane.length; i++) out[i * channels + c] = a[i];
  }
  return out;
}
