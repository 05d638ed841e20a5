/**
 * The frame-resolution compositing kernel: per row, the alpha comes from the guided-filter
 * coefficients (q = A * luma + B, A and B bilinearly upsampled from the mask grid), then the
 * foreground layer is blended over the background layer. Pure; the worker pool runs it on row bands.
 */

import { asWords, fixedWeight, fixedWeights, lerpPacked } from '../../core/packed-rgba.ts';
import type { PixelSimd } from '../../core/simd/pixel-simd.ts';
import { moduleCoefficientRows } from './module-rows.ts';
import { TwoRowCache } from './row-cache.ts';

/** An RGBA image of any size; it is stretched bilinearly to the frame when its size differs. */
export interface ImagePlane {
  data: Uint8Array;
  width: number;
  height: number;
}

export type Layer =
  | { kind: 'frame' }
  | ({ kind: 'image' } & ImagePlane)
  | { kind: 'color'; rgba: readonly [number, number, number, number] };

export type CompositeMode =
  /** fg * alpha + bg * (1 - alpha), opaque output. */
  | 'blend'
  /** fg colours, alpha channel = mask (straight, not premultiplied). */
  | 'transparent'
  /** The mask as grey (debug view). */
  | 'mask';

export interface CompositeJob {
  frame: Uint8Array;
  width: number;
  height: number;
  out: Uint8Array;
  coeffA: Float32Array;
  coeffB: Float32Array;
  gridWidth: number;
  gridHeight: number;
  mode: CompositeMode;
  foreground: Layer;
  background: Layer;
}

/** Bilinear horizontal/vertical taps for stretching `srcSize` onto `dstSize` (pixel centres aligned). */
export class Taps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w: Float32Array;
  constructor(srcSize: number, dstSize: number) {
    this.i0 = new Int32Array(dstSize);
    this.i1 = new Int32Array(dstSize);
    this.w = new Float32Array(dstSize);
    const scale = srcSize / dstSize;
    for (let d = 0; d < dstSize; d++) {
      const s = Math.min(srcSize - 1, Math.max(0, (d + 0.5) * scale - 0.5));
      const s0 = Math.floor(s);
      this.i0[d] = s0;
      this.i1[d] = Math.min(srcSize - 1, s0 + 1);
      this.w[d] = s - s0;
    }
  }
}

/** Horizontally stretched rows of a small plane (channels interleaved). */
export class StretchedRows extends TwoRowCache<Float32Array> {
  /** `rows`: the two row buffers to fill (e.g. views on a SIMD module's memory); fresh ones by default. */
  constructor(
    private readonly src: Float32Array | Uint8Array,
    private readonly srcWidth: number,
    private readonly channels: number,
    private readonly taps: Taps,
    rows?: [Float32Array, Float32Array],
  ) {
    const length = taps.w.length * channels;
    super(rows ?? [new Float32Array(length), new Float32Array(length)]);
  }

  protected fill(r: number, out: Float32Array): void {
    const { src, channels } = this;
    const { i0, i1, w } = this.taps;
    const base = r * this.srcWidth * channels;
    // The two widths in use (coefficients, RGBA layers) get unrolled loops: 2x faster than the generic one.
    if (channels === 1) {
      for (let x = 0; x < w.length; x++) {
        const a = src[base + i0[x]];
        out[x] = a + (src[base + i1[x]] - a) * w[x];
      }
    } else if (channels === 4) {
      for (let x = 0, o = 0; x < w.length; x++, o += 4) {
        const a = base + i0[x] * 4;
        const b = base + i1[x] * 4;
        const wx = w[x];
        out[o] = src[a] + (src[b] - src[a]) * wx;
        out[o + 1] = src[a + 1] + (src[b + 1] - src[a + 1]) * wx;
        out[o + 2] = src[a + 2] + (src[b + 2] - src[a + 2]) * wx;
        out[o + 3] = src[a + 3] + (src[b + 3] - src[a + 3]) * wx;
      }
    } else {
      for (let x = 0, o = 0; x < w.length; x++) {
        const a = base + i0[x] * channels;
        const b = base + i1[x] * channels;
        const wx = w[x];
        for (let c = 0; c < channels; c++, o++) out[o] = src[a + c] + (src[b + c] - src[a + c]) * wx;
      }
    }
  }
}

/**
 * Horizontally stretched rows of a small RGBA image as packed 32-bit words (two channels per lerp, see
 * core/packed-rgba.ts): the background layer of blur-background and the style effects, where most
 * pixels take it as it is.
 */
export class PackedRows extends TwoRowCache<Int32Array> {
  private readonly src: Uint32Array;
  private readonly q: Int32Array;

  constructor(
    src: Uint8Array,
    private readonly srcWidth: number,
    private readonly taps: Taps,
    rows?: [Int32Array, Int32Array],
  ) {
    super(rows ?? [new Int32Array(taps.w.length), new Int32Array(taps.w.length)]);
    this.src = asWords(src);
    this.q = fixedWeights(taps.w);
  }

  protected fill(r: number, out: Int32Array): void {
    const { src, q } = this;
    const { i0, i1 } = this.taps;
    const base = r * this.srcWidth;
    for (let x = 0; x < out.length; x++) out[x] = lerpPacked(src[base + i0[x]], src[base + i1[x]], q[x]);
  }
}

/**
 * Reads row y of a layer as RGBA bytes at frame width. Frame-sized sources are returned in place;
 * a smaller image is stretched bilinearly.
 */
class LayerRows {
  private readonly row: Uint8Array;
  private readonly stretched: StretchedRows | undefined;
  private readonly ty: Taps | undefined;

  constructor(
    private readonly layer: Layer,
    private readonly job: CompositeJob,
  ) {
    const { width, height } = job;
    this.row = new Uint8Array(width * 4);
    if (layer.kind === 'color') for (let x = 0; x < width; x++) this.row.set(layer.rgba, x * 4);
    if (layer.kind === 'image' && (layer.width !== width || layer.height !== height)) {
      this.stretched = new StretchedRows(layer.data, layer.width, 4, new Taps(layer.width, width));
      this.ty = new Taps(layer.height, height);
    }
  }

  /** [array, offset of the row's first byte]. */
  read(y: number): [Uint8Array, number] {
    const { layer, job } = this;
    if (layer.kind === 'frame') return [job.frame, y * job.width * 4];
    if (layer.kind === 'color') return [this.row, 0];
    if (!this.stretched || !this.ty) return [layer.data, y * job.width * 4];
    const top = this.stretched.row(this.ty.i0[y]);
    const bottom = this.stretched.row(this.ty.i1[y]);
    const wy = this.ty.w[y];
    const row = this.row;
    for (let i = 0; i < row.length; i++) row[i] = (top[i] + (bottom[i] - top[i]) * wy + 0.5) | 0;
    return [row, 0];
  }
}

/** Alpha in [0, 1] of one pixel: the guided coefficients (two grid rows, blended by wy) at x, times luma. */
function alphaAt(
  frame: Uint8Array,
  p: number,
  a0: Float32Array,
  a1: Float32Array,
  b0: Float32Array,
  b1: Float32Array,
  x: number,
  wy: number,
): number {
  const luma = (0.299 * frame[p] + 0.587 * frame[p + 1] + 0.114 * frame[p + 2]) * (1 / 255);
  const q = (a0[x] + (a1[x] - a0[x]) * wy) * luma + b0[x] + (b1[x] - b0[x]) * wy;
  return q < 0 ? 0 : Math.min(q, 1);
}

/** The colour bits of a little-endian RGBA word (alpha 0). */
const RGB = 0x00ffffff;

/** Alpha below this (or above 1 - this) is treated as exactly 0 (or 1): under half a grey level. */
const SETTLED = 0.5 / 255;

/**
 * Per grid point of one grid row: 0 when alpha = A * luma + B stays <= SETTLED for every luma in [0, 1], 1 when it stays
 * >= 1 - SETTLED, 2 otherwise. Between grid points alpha is a convex combination of the corners' values
 * (bilinear weights), so four settled corners of one class settle every pixel between them.
 */
function settleRow(a: Float32Array, b: Float32Array, from: number, to: number, out: Uint8Array): void {
  for (let i = from; i < to; i++) {
    const lo = Math.min(b[i], a[i] + b[i]);
    const hi = Math.max(b[i], a[i] + b[i]);
    out[i] = hi <= SETTLED ? 0 : lo >= 1 - SETTLED ? 1 : 2;
  }
}

/**
 * Alpha 255 in a little-endian RGBA word, as an int32: words stay small integers in V8 (a uint32 above
 * 2^31 becomes a heap double, and storing one costs a conversion per pixel: 2x slower here).
 */
const OPAQUE = 0xff000000 | 0;
const OPAQUE_BLACK = OPAQUE;

/** 32-bit view of an RGBA byte array (undefined when not 4-byte aligned: then the per-pixel path runs). */
function words(bytes: Uint8Array): Int32Array | undefined {
  return bytes.byteOffset % 4 === 0
    ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2)
    : undefined;
}

/**
 * Runs of one class along a frame row whose grid rows are r0 and r1: [xs, xe, class] triples, adjacent
 * spans of the same class merged (class 0/1: alpha settled at 0/1 for every pixel; 2: mixed). A row
 * inside the person or far from it is then one or a few runs instead of one span per grid column.
 */
function settledRuns(
  settled: Uint8Array,
  spanStart: Int32Array,
  gridWidth: number,
  r0: number,
  r1: number,
): Int32Array {
  const runs: number[] = [];
  for (let c = 0; c < gridWidth; c++) {
    const xs = spanStart[c];
    const xe = spanStart[c + 1];
    if (xs >= xe) continue;
    const c1 = Math.min(c + 1, gridWidth - 1);
    const k = settled[r0 * gridWidth + c];
    const cls =
      k !== 2 &&
      settled[r0 * gridWidth + c1] === k &&
      settled[r1 * gridWidth + c] === k &&
      settled[r1 * gridWidth + c1] === k
        ? k
        : 2;
    const last = runs.length - 3;
    if (last >= 0 && runs[last + 2] === cls && runs[last + 1] === xs) runs[last + 1] = xe;
    else runs.push(xs, xe, cls);
  }
  return Int32Array.from(runs);
}

/**
 * What a composite needs before its first row: the grid-to-frame taps and, per frame row, the runs of
 * settled and mixed pixels (computed once per pair of grid rows).
 */
export class RunPlan {
  readonly gx: Taps;
  readonly gy: Taps;
  /** Classes per grid point (settleRow), computed per grid row on first use: a worker needs its bands' only. */
  private readonly settled: Uint8Array;
  private readonly settledRows: Uint8Array;
  private readonly spanStart: Int32Array;
  private readonly byRows = new Map<number, Int32Array>();
  /** Per grid row, the frame rows [first, last] that read it, then (mixedColumns) its mixed columns. */
  private readonly readers: Int32Array;
  private readonly mixed: Int32Array;

  constructor(private readonly job: CompositeJob) {
    const { width, height, gridWidth, gridHeight } = job;
    this.gx = new Taps(gridWidth, width);
    this.gy = new Taps(gridHeight, height);
    this.readers = new Int32Array(gridHeight * 2).fill(-1);
    const read = (r: number, y: number) => {
      if (this.readers[r * 2] < 0) this.readers[r * 2] = y;
      this.readers[r * 2 + 1] = y;
    };
    for (let y = 0; y < height; y++) {
      read(this.gy.i0[y], y);
      read(this.gy.i1[y], y);
    }
    this.mixed = new Int32Array(gridHeight * 2).fill(-1);
    this.settled = new Uint8Array(job.coeffA.length);
    this.settledRows = new Uint8Array(job.gridHeight);
    // Pixels [spanStart[c], spanStart[c + 1]) lie between grid columns c and c + 1.
    this.spanStart = new Int32Array(gridWidth + 1).fill(width);
    for (let x = width - 1; x >= 0; x--) this.spanStart[this.gx.i0[x]] = x;
    for (let c = gridWidth - 1; c >= 0; c--)
      this.spanStart[c] = Math.min(this.spanStart[c], this.spanStart[c + 1]);
  }

  /** [xs, xe, class] triples of frame row y (see settledRuns). */
  runs(y: number): Int32Array {
    const r0 = this.gy.i0[y];
    const r1 = this.gy.i1[y];
    const key = r0 * this.job.gridHeight + r1;
    let runs = this.byRows.get(key);
    if (!runs) {
      this.settle(r0);
      this.settle(r1);
      runs = settledRuns(this.settled, this.spanStart, this.job.gridWidth, r0, r1);
      this.byRows.set(key, runs);
    }
    return runs;
  }

  /**
   * The frame columns [xs, xe) of the mixed runs of every frame row that reads grid row `r` (empty:
   * [0, 0)): where a coefficient row stretched to frame width is read.
   */
  mixedColumns(r: number): readonly [number, number] {
    if (this.mixed[r * 2] < 0) {
      let xs = this.job.width;
      let xe = 0;
      const first = this.readers[r * 2];
      const last = this.readers[r * 2 + 1];
      for (let y = first; first >= 0 && y <= last; y++) {
        const runs = this.runs(y);
        for (let i = 0; i < runs.length; i += 3)
          if (runs[i + 2] === 2) {
            xs = Math.min(xs, runs[i]);
            xe = Math.max(xe, runs[i + 1]);
          }
      }
      this.mixed[r * 2] = xe > xs ? xs : 0;
      this.mixed[r * 2 + 1] = xe > xs ? xe : 0;
    }
    return [this.mixed[r * 2], this.mixed[r * 2 + 1]];
  }

  private settle(row: number): void {
    if (this.settledRows[row]) return;
    const { gridWidth, coeffA, coeffB } = this.job;
    settleRow(coeffA, coeffB, row * gridWidth, (row + 1) * gridWidth, this.settled);
    this.settledRows[row] = 1;
  }
}

/** Rows of a plane stretched to frame width, by source row. */
interface FloatRows {
  row(r: number): Float32Array;
}

/**
 * What compositeRows reads rows through, built once per job: a pool worker keeps it across the bands
 * it takes (built per band, this setup cost ~25 us a band, a fifth of a small band's work). With the
 * SIMD module loaded, the coefficient rows are stretched in it (module-rows.ts).
 */
export class CompositeSources {
  readonly out: Int32Array;
  readonly coeffA: FloatRows;
  readonly coeffB: FloatRows;
  readonly fgRows: LayerRows;
  readonly bgStretched: { rows: PackedRows; ty: Taps } | undefined;
  readonly bgRows: LayerRows | undefined;
  private readonly wordViews = new Map<Uint8Array, Int32Array | undefined>();

  constructor(job: CompositeJob, plan: RunPlan, simd?: PixelSimd) {
    const { width, height, gridWidth } = job;
    this.out = new Int32Array(job.out.buffer, job.out.byteOffset, job.out.length >> 2);
    const inModule = simd ? moduleCoefficientRows(simd, job, plan.gx) : undefined;
    this.coeffA = inModule?.a ?? new StretchedRows(job.coeffA, gridWidth, 1, plan.gx);
    this.coeffB = inModule?.b ?? new StretchedRows(job.coeffB, gridWidth, 1, plan.gx);
    this.fgRows = new LayerRows(job.foreground, job);
    const bg = job.background;
    this.bgStretched =
      bg.kind === 'image' && (bg.width !== width || bg.height !== height)
        ? {
            rows: new PackedRows(bg.data, bg.width, new Taps(bg.width, width)),
            ty: new Taps(bg.height, height),
          }
        : undefined;
    this.bgRows = this.bgStretched ? undefined : new LayerRows(bg, job);
  }

  /** The bytes as 32-bit words (undefined when not 4-aligned), one view per array. */
  wordsOf(bytes: Uint8Array): Int32Array | undefined {
    if (!this.wordViews.has(bytes)) this.wordViews.set(bytes, words(bytes));
    return this.wordViews.get(bytes);
  }
}

/**
 * One fused pass per row: alpha from the coefficients, the layers read in place (frame-sized) or
 * stretched (small images: two cached stretched rows blended vertically inline), one 32-bit store per
 * pixel (little-endian RGBA); `| 0` keeps every value an int (no float->uint8 conversion path).
 * Runs whose alpha is settled at 0 or 1 (most of a frame: inside the person or far from it) are copied
 * or filled 32 bits at a time, and the rows a run does not need (coefficients, background) are never
 * stretched: 720p, all settled, went from 6.7 to ~2 ms per frame on one thread.
 */
export function compositeRows(
  job: CompositeJob,
  rowStart: number,
  rowEnd: number,
  plan = new RunPlan(job),
  sources = new CompositeSources(job, plan),
): void {
  const { width, mode, frame } = job;
  const { gy } = plan;
  const { out, coeffA, coeffB, fgRows, bgStretched, bgRows } = sources;
  const wordsOf = (bytes: Uint8Array) => sources.wordsOf(bytes);
  for (let y = rowStart; y < rowEnd; y++) {
    const wy = gy.w[y];
    const r0 = gy.i0[y];
    const r1 = gy.i1[y];
    const runs = plan.runs(y);
    const o0 = y * width;
    const p0 = o0 * 4;
    const [fg, fo] = mode === 'mask' ? [frame, p0] : fgRows.read(y);
    const fgWords = wordsOf(fg);
    // Fetched on first use in this row: a settled row never stretches coefficients or background.
    let a0: Float32Array | undefined;
    let a1: Float32Array | undefined;
    let b0: Float32Array | undefined;
    let b1: Float32Array | undefined;
    let top: Int32Array | undefined;
    let bottom: Int32Array | undefined;
    let v = 0;
    let bgBytes: Uint8Array = frame;
    let bo = 0;
    let bgWords: Int32Array | undefined;
    let bgReady = mode !== 'blend';
    for (let run = 0; run < runs.length; run += 3) {
      const xs = runs[run];
      const xe = runs[run + 1];
      const k = runs[run + 2];
      if (!bgReady && (k !== 1 || !fgWords)) {
        bgReady = true;
        if (bgStretched) {
          top = bgStretched.rows.row(bgStretched.ty.i0[y]);
          bottom = bgStretched.rows.row(bgStretched.ty.i1[y]);
          v = fixedWeight(bgStretched.ty.w[y]);
        } else {
          [bgBytes, bo] = bgRows!.read(y);
          bgWords = wordsOf(bgBytes);
        }
      }
      if (k !== 2) {
        if (mode === 'mask') {
          out.fill(k === 1 ? -1 : OPAQUE_BLACK, o0 + xs, o0 + xe);
          continue;
        }
        if (k === 1 && fgWords && mode !== 'transparent') {
          const w0 = (fo >> 2) + xs;
          for (let x = xs, w = w0; x < xe; x++, w++) out[o0 + x] = fgWords[w] | OPAQUE;
          continue;
        }
        if (k === 1 && fgWords) {
          out.set(fgWords.subarray((fo >> 2) + xs, (fo >> 2) + xe), o0 + xs);
          continue;
        }
        if (k === 0 && fgWords && mode === 'transparent') {
          // Straight alpha: the colour stays, alpha 0 (what the mixed loop gives a settled pixel).
          const w0 = (fo >> 2) + xs;
          for (let x = xs, w = w0; x < xe; x++, w++) out[o0 + x] = fgWords[w] & RGB;
          continue;
        }
        if (k === 0 && mode === 'blend' && bgWords) {
          const w0 = (bo >> 2) + xs;
          for (let x = xs, w = w0; x < xe; x++, w++) out[o0 + x] = bgWords[w] | OPAQUE;
          continue;
        }
        if (k === 0 && mode === 'blend' && top && bottom) {
          if (v === 0) for (let x = xs; x < xe; x++) out[o0 + x] = top[x] | OPAQUE;
          else for (let x = xs; x < xe; x++) out[o0 + x] = lerpPacked(top[x], bottom[x], v) | OPAQUE;
          continue;
        }
      }
      if (!a0 || !a1 || !b0 || !b1) {
        a0 = coeffA.row(r0);
        a1 = coeffA.row(r1);
        b0 = coeffB.row(r0);
        b1 = coeffB.row(r1);
      }
      if (mode === 'mask') {
        for (let x = xs, p = p0 + xs * 4; x < xe; x++, p += 4) {
          const m = (alphaAt(frame, p, a0, a1, b0, b1, x, wy) * 255 + 0.5) | 0;
          out[o0 + x] = m | (m << 8) | (m << 16) | OPAQUE;
        }
      } else if (mode === 'transparent') {
        for (let x = xs, p = p0 + xs * 4, f = fo + xs * 4; x < xe; x++, p += 4, f += 4) {
          const a = (alphaAt(frame, p, a0, a1, b0, b1, x, wy) * fg[f + 3] + 0.5) | 0;
          out[o0 + x] = fg[f] | (fg[f + 1] << 8) | (fg[f + 2] << 16) | (a << 24);
        }
      } else if (top && bottom) {
        for (let x = xs, p = p0 + xs * 4, f = fo + xs * 4; x < xe; x++, p += 4, f += 4) {
          const a = alphaAt(frame, p, a0, a1, b0, b1, x, wy);
          const w = lerpPacked(top[x], bottom[x], v);
          const br = w & 255;
          const bgG = (w >> 8) & 255;
          const bb = (w >> 16) & 255;
          const r = (br + (fg[f] - br) * a + 0.5) | 0;
          const g = (bgG + (fg[f + 1] - bgG) * a + 0.5) | 0;
          const bl = (bb + (fg[f + 2] - bb) * a + 0.5) | 0;
          out[o0 + x] = r | (g << 8) | (bl << 16) | OPAQUE;
        }
      } else {
        for (
          let x = xs, p = p0 + xs * 4, f = fo + xs * 4, b = bo + xs * 4;
          x < xe;
          x++, p += 4, f += 4, b += 4
        ) {
          const a = alphaAt(frame, p, a0, a1, b0, b1, x, wy);
          const r = (bgBytes[b] + (fg[f] - bgBytes[b]) * a + 0.5) | 0;
          const g = (bgBytes[b + 1] + (fg[f + 1] - bgBytes[b + 1]) * a + 0.5) | 0;
          const bl = (bgBytes[b + 2] + (fg[f + 2] - bgBytes[b + 2]) * a + 0.5) | 0;
          out[o0 + x] = r | (g << 8) | (bl << 16) | OPAQUE;
        }
      }
    }
  }
}
