/**
 * The background plate: a clean picture of the background built up over time from pixels the smoothed
 * mask calls confidently background, so the person never leaves a ghost in it. Kept at the stylizer's
 * work resolution. Pure pixel math with a little state; unit-tested.
 */

export interface PlateSettings {
  /** Alpha (person probability after smoothing, dilated) below which a pixel counts as background. */
  backgroundBelow: number;
  /** EMA rate for pixels already seen: averages sensor noise away, still follows lighting. */
  rate: number;
  /** A pixel that differs by more than this (0..255, mean of RGB) from the plate counts as changed. */
  changedAbove: number;
  /** Fraction of the seen background that must change at once to call it a new scene / camera move. */
  sceneChangeFraction: number;
}

export const DEFAULT_PLATE_SETTINGS: PlateSettings = {
  backgroundBelow: 0.05,
  rate: 0.15,
  changedAbove: 40,
  sceneChangeFraction: 0.35,
};

export interface PlateUpdate {
  /** Most of the background changed at once (camera moved, lights, new scene): the plate restarted. */
  sceneChanged: boolean;
  /** Fraction of plate pixels seen for the first time (background revealed as the person moved). */
  revealed: number;
  /** Mean |frame - plate| over background pixels (0..255): how much the picture drifted. */
  drift: number;
}

export class BackgroundPlate {
  readonly color: Float32Array;
  /** 1 where the background has been seen, 0 where it never was (hidden behind the person so far). */
  readonly seen: Uint8Array;
  private seenCount = 0;
  private snapshotBuffer: Uint8Array | undefined;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly settings: PlateSettings = DEFAULT_PLATE_SETTINGS,
  ) {
    this.color = new Float32Array(width * height * 3);
    this.seen = new Uint8Array(width * height);
  }

  /** Fraction of the plate seen so far. */
  get coverage(): number {
    return this.seenCount / (this.width * this.height);
  }

  reset(): void {
    this.seen.fill(0);
    this.seenCount = 0;
  }

  /**
   * Folds one frame in. `rgba` and `alpha` are at plate resolution; alpha is the person probability
   * (already dilated by the caller so edges stay out of the plate).
   */
  update(rgba: Uint8Array, alpha: Float32Array): PlateUpdate {
    const n = this.width * this.height;
    const { backgroundBelow, rate, changedAbove, sceneChangeFraction } = this.settings;
    // Locals, not this.*: the loops then keep the arrays in registers (2x faster here).
    const { color, seen } = this;
    let background = 0;
    let changed = 0;
    let driftSum = 0;
    // Detection looks at every third pixel: plenty for a fraction, a third of the cost.
    for (let i = 0; i < n; i += 3) {
      if (alpha[i] >= backgroundBelow || !seen[i]) continue;
      const p = i * 4;
      const c = i * 3;
      const d =
        (Math.abs(rgba[p] - color[c]) +
          Math.abs(rgba[p + 1] - color[c + 1]) +
          Math.abs(rgba[p + 2] - color[c + 2])) /
        3;
      background++;
      driftSum += d;
      if (d > changedAbove) changed++;
    }
    const sceneChanged = background > 0.05 * (n / 3) && changed > sceneChangeFraction * background;
    if (sceneChanged) this.reset();
    let revealed = 0;
    for (let i = 0; i < n; i++) {
      if (alpha[i] >= backgroundBelow) continue;
      const p = i * 4;
      const c = i * 3;
      if (!seen[i]) {
        color[c] = rgba[p];
        color[c + 1] = rgba[p + 1];
        color[c + 2] = rgba[p + 2];
        seen[i] = 1;
        revealed++;
      } else {
        color[c] += (rgba[p] - color[c]) * rate;
        color[c + 1] += (rgba[p + 1] - color[c + 1]) * rate;
        color[c + 2] += (rgba[p + 2] - color[c + 2]) * rate;
      }
    }
    this.seenCount += revealed;
    return { sceneChanged, revealed: revealed / n, drift: background ? driftSum / background : 0 };
  }

  /**
   * The plate as RGBA, never-seen pixels filled from their surroundings (push-pull), so no hole shows.
   * Returns an internal buffer, valid until the next call (callers hand a copy to the worker).
   */
  snapshot(): Uint8Array {
    const n = this.width * this.height;
    this.snapshotBuffer ??= new Uint8Array(n * 4);
    const out = this.snapshotBuffer;
    const source =
      this.seenCount === n ? this.color : fillHoles(this.color, this.seen, this.width, this.height);
    // `| 0` (values are in [0, 255.5)): a plain int store instead of the float -> uint8 conversion.
    for (let i = 0; i < n; i++) {
      out[i * 4] = (source[i * 3] + 0.5) | 0;
      out[i * 4 + 1] = (source[i * 3 + 1] + 0.5) | 0;
      out[i * 4 + 2] = (source[i * 3 + 2] + 0.5) | 0;
      out[i * 4 + 3] = 255;
    }
    return out;
  }
}

/**
 * Push-pull hole filling: average the known pixels down a pyramid (weights = coverage), then fill each
 * unknown pixel from the next coarser level. Smooth, cheap (about 1.33 n), no ghosts.
 */
export function fillHoles(
  color: Float32Array,
  known: Uint8Array,
  width: number,
  height: number,
): Float32Array {
  const out = Float32Array.from(color);
  const weight = new Float32Array(width * height);
  let missing = 0;
  for (let i = 0; i < known.length; i++) {
    weight[i] = known[i] ? 1 : 0;
    if (!known[i]) missing++;
  }
  if (missing === 0) return out;
  if (missing === known.length) return out.fill(0);
  fillLevel(out, weight, width, height);
  return out;
}

/** Fills pixels with weight < 1 in place from a half-size level (recursively). */
function fillLevel(color: Float32Array, weight: Float32Array, width: number, height: number): void {
  if (width <= 1 && height <= 1) return;
  const w2 = Math.max(1, Math.ceil(width / 2));
  const h2 = Math.max(1, Math.ceil(height / 2));
  const c2 = new Float32Array(w2 * h2 * 3);
  const wt2 = new Float32Array(w2 * h2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const w = weight[i];
      if (w === 0) continue;
      const j = (y >> 1) * w2 + (x >> 1);
      c2[j * 3] += color[i * 3] * w;
      c2[j * 3 + 1] += color[i * 3 + 1] * w;
      c2[j * 3 + 2] += color[i * 3 + 2] * w;
      wt2[j] += w;
    }
  }
  let incomplete = false;
  for (let j = 0; j < w2 * h2; j++) {
    if (wt2[j] > 0) {
      c2[j * 3] /= wt2[j];
      c2[j * 3 + 1] /= wt2[j];
      c2[j * 3 + 2] /= wt2[j];
    }
    // A coarse pixel fully covered counts as known; partly covered ones are still trusted (weight 1).
    wt2[j] = wt2[j] > 0 ? 1 : 0;
    if (!wt2[j]) incomplete = true;
  }
  if (incomplete) fillLevel(c2, wt2, w2, h2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (weight[i] > 0) continue;
      const j = (y >> 1) * w2 + (x >> 1);
      color[i * 3] = c2[j * 3];
      color[i * 3 + 1] = c2[j * 3 + 1];
      color[i * 3 + 2] = c2[j * 3 + 2];
    }
  }
}

/** Max filter (radius r, separable): grows the person so the plate keeps clear of its edges. */
export function dilateMax(plane: Float32Array, width: number, height: number, radius: number): Float32Array {
  if (radius <= 0) return plane;
  const tmp = new Float32Array(plane.length);
  const out = new Float32Array(plane.length);
  maxPass(plane, tmp, width, height, 1, width, radius);
  maxPass(tmp, out, height, width, width, 1, radius);
  return out;
}

/**
 * One max pass along lines of `length` samples `step` apart, `lines` lines `lineStep` apart. Values are
 * >= 0 (probabilities), so 0 starts each window.
 */
function maxPass(
  src: Float32Array,
  dst: Float32Array,
  length: number,
  lines: number,
  step: number,
  lineStep: number,
  radius: number,
): void {
  for (let line = 0; line < lines; line++) {
    const base = line * lineStep;
    for (let k = 0; k < length; k++) {
      const from = Math.max(k - radius, 0);
      const to = Math.min(k + radius, length - 1);
      let m = 0;
      for (let j = base + from * step, end = base + to * step; j <= end; j += step)
        if (src[j] > m) m = src[j];
      dst[base + k * step] = m;
    }
  }
}

/** Bilinear resize of a single-channel plane (half-pixel centres). */
export function resizePlane(
  plane: Float32Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  out: Float32Array = new Float32Array(outWidth * outHeight),
): Float32Array {
  const sx = width / outWidth;
  const sy = height / outHeight;
  for (let oy = 0; oy < outHeight; oy++) {
    const fy = Math.max(0, Math.min(height - 1, (oy + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(height - 1, y0 + 1);
    const wy = fy - y0;
    for (let ox = 0; ox < outWidth; ox++) {
      const fx = Math.max(0, Math.min(width - 1, (ox + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(width - 1, x0 + 1);
      const wx = fx - x0;
      const top = plane[y0 * width + x0] + (plane[y0 * width + x1] - plane[y0 * width + x0]) * wx;
      const bottom = plane[y1 * width + x0] + (plane[y1 * width + x1] - plane[y1 * width + x0]) * wx;
      out[oy * outWidth + ox] = top + (bottom - top) * wy;
    }
  }
  return out;
}

/** For each output pixel, the index of the nearest source pixel (half-pixel centres). */
export function nearestLut(
  srcWidth: number,
  srcHeight: number,
  outWidth: number,
  outHeight: number,
): Int32Array {
  const lut = new Int32Array(outWidth * outHeight);
  const xs = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++)
    xs[x] = Math.min(srcWidth - 1, Math.floor(((x + 0.5) * srcWidth) / outWidth));
  for (let y = 0; y < outHeight; y++) {
    const row = Math.min(srcHeight - 1, Math.floor(((y + 0.5) * srcHeight) / outHeight)) * srcWidth;
    for (let x = 0; x < outWidth; x++) lut[y * outWidth + x] = row + xs[x];
  }
  return lut;
}

/** Nearest-neighbour RGBA downscale through a LUT: one 32-bit move per pixel (the plate averages noise over time anyway). */
export function gatherRgba(src: Uint8Array, lut: Int32Array, out: Uint8Array): Uint8Array {
  if (src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    const s = new Uint32Array(src.buffer, src.byteOffset, src.length >> 2);
    const o = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
    for (let i = 0; i < lut.length; i++) o[i] = s[lut[i]];
    return out;
  }
  for (let i = 0; i < lut.length; i++) {
    const p = lut[i] * 4;
    out[i * 4] = src[p];
    out[i * 4 + 1] = src[p + 1];
    out[i * 4 + 2] = src[p + 2];
    out[i * 4 + 3] = src[p + 3];
  }
  return out;
}

export function gatherPlane(src: Float32Array, lut: Int32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < lut.length; i++) out[i] = src[lut[i]];
  return out;
}
