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

/** What `measure` found in a band of pixels (sums, so bands add up). */
export interface PlateCounts {
  background: number;
  changed: number;
  driftSum: number;
  /** Pixels looked at (every third). */
  sampled: number;
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
    const counts = this.measure(rgba, alpha, 0, n);
    const sceneChanged = this.isSceneChange(counts);
    if (sceneChanged) this.reset();
    const revealed = this.fold(rgba, alpha, 0, n);
    return { sceneChanged, revealed, drift: counts.background ? counts.driftSum / counts.background : 0 };
  }

  /**
   * Pixels [start, end) against the plate, before folding them in: how many are background already
   * seen, how many of those changed a lot, and their summed difference. `update` and banded callers
   * (a band of rows per frame, judged once the bands cover the plate) share it.
   */
  measure(rgba: Uint8Array, alpha: Float32Array, start: number, end: number): PlateCounts {
    const { backgroundBelow, changedAbove } = this.settings;
    // Locals, not this.*: the loops then keep the arrays in registers (2x faster here).
    const { color, seen } = this;
    const counts = { background: 0, changed: 0, driftSum: 0, sampled: 0 };
    // Every third pixel: plenty for a fraction, a third of the cost.
    for (let i = start; i < end; i += 3) {
      counts.sampled++;
      if (alpha[i] >= backgroundBelow || !seen[i]) continue;
      const p = i * 4;
      const c = i * 3;
      const d =
        (Math.abs(rgba[p] - color[c]) +
          Math.abs(rgba[p + 1] - color[c + 1]) +
          Math.abs(rgba[p + 2] - color[c + 2])) /
        3;
      counts.background++;
      counts.driftSum += d;
      if (d > changedAbove) counts.changed++;
    }
    return counts;
  }

  /** Most of the seen background changed at once (camera moved, lights, new scene). */
  isSceneChange(counts: PlateCounts): boolean {
    return (
      counts.background > 0.05 * counts.sampled &&
      counts.changed > this.settings.sceneChangeFraction * counts.background
    );
  }

  /** Folds pixels [start, end) in; returns the fraction of the whole plate seen for the first time. */
  fold(rgba: Uint8Array, alpha: Float32Array, start: number, end: number): number {
    const { backgroundBelow, rate } = this.settings;
    const { color, seen } = this;
    let revealed = 0;
    for (let i = start; i < end; i++) {
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
    return revealed / (this.width * this.height);
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

/**
 * Max filter (radius r, separable): grows the person so the plate keeps clear of its edges. Only rows
 * [rowStart, rowEnd) of the result are computed (a band of the plate needs only its grid rows).
 */
export function dilateMax(
  plane: Float32Array,
  width: number,
  height: number,
  radius: number,
  rowStart = 0,
  rowEnd = height,
): Float32Array {
  if (radius <= 0) return plane;
  const tmp = new Float32Array(plane.length);
  const out = new Float32Array(plane.length);
  // Values are >= 0 (probabilities), so 0 starts each window.
  for (let y = Math.max(0, rowStart - radius), yEnd = Math.min(height, rowEnd + radius); y < yEnd; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let m = 0;
      for (let k = row + Math.max(0, x - radius), end = row + Math.min(width - 1, x + radius); k <= end; k++)
        if (plane[k] > m) m = plane[k];
      tmp[row + x] = m;
    }
  }
  for (let y = rowStart; y < rowEnd; y++) {
    const from = Math.max(0, y - radius) * width;
    const to = Math.min(height - 1, y + radius) * width;
    for (let x = 0; x < width; x++) {
      let m = 0;
      for (let k = from + x; k <= to + x; k += width) if (tmp[k] > m) m = tmp[k];
      out[y * width + x] = m;
    }
  }
  return out;
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
export function gatherRgba(
  src: Uint8Array,
  lut: Int32Array,
  out: Uint8Array,
  start = 0,
  end = lut.length,
): Uint8Array {
  if (src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    const s = new Int32Array(src.buffer, src.byteOffset, src.length >> 2);
    const o = new Int32Array(out.buffer, out.byteOffset, out.length >> 2);
    for (let i = start; i < end; i++) o[i] = s[lut[i]];
    return out;
  }
  for (let i = start; i < end; i++) {
    const p = lut[i] * 4;
    out[i * 4] = src[p];
    out[i * 4 + 1] = src[p + 1];
    out[i * 4 + 2] = src[p + 2];
    out[i * 4 + 3] = src[p + 3];
  }
  return out;
}

export function gatherPlane(
  src: Float32Array,
  lut: Int32Array,
  out: Float32Array,
  start = 0,
  end = lut.length,
): Float32Array {
  for (let i = start; i < end; i++) out[i] = src[lut[i]];
  return out;
}
