/**
 * The frame-resolution compositing kernel: per row, the alpha comes from the guided-filter
 * coefficients (q = A * luma + B, A and B bilinearly upsampled from the mask grid), then the
 * foreground layer is blended over the background layer. Pure; the worker pool runs it on row bands.
 */

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

/**
 * Horizontally stretched rows of a small plane (channels interleaved), cached: going down the frame,
 * the two source rows being blended change only every few frame rows, so each source row is stretched
 * once per band instead of once per frame row.
 */
class StretchedRows {
  private readonly rows: Float32Array[];
  private readonly index = [-1, -1];
  private next = 0;

  constructor(
    private readonly src: Float32Array | Uint8Array,
    private readonly srcWidth: number,
    private readonly channels: number,
    private readonly taps: Taps,
  ) {
    const length = taps.w.length * channels;
    this.rows = [new Float32Array(length), new Float32Array(length)];
  }

  row(r: number): Float32Array {
    if (this.index[0] === r) return this.rows[0];
    if (this.index[1] === r) return this.rows[1];
    const slot = this.next;
    this.next = 1 - slot;
    this.index[slot] = r;
    const out = this.rows[slot];
    const { src, channels } = this;
    const { i0, i1, w } = this.taps;
    const base = r * this.srcWidth * channels;
    for (let x = 0, o = 0; x < w.length; x++) {
      const a = base + i0[x] * channels;
      const b = base + i1[x] * channels;
      const wx = w[x];
      for (let c = 0; c < channels; c++, o++) out[o] = src[a + c] + (src[b + c] - src[a + c]) * wx;
    }
    return out;
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

/**
 * One fused pass per row: alpha from the coefficients, the layers read in place (frame-sized) or
 * stretched (small images: two cached stretched rows blended vertically inline), one 32-bit store per
 * pixel (little-endian RGBA); `| 0` keeps every value an int (no float->uint8 conversion path).
 */
export function compositeRows(job: CompositeJob, rowStart: number, rowEnd: number): void {
  const { width, height, mode, frame } = job;
  const out = new Uint32Array(job.out.buffer, job.out.byteOffset, job.out.length >> 2);
  const gx = new Taps(job.gridWidth, width);
  const gy = new Taps(job.gridHeight, height);
  const coeffA = new StretchedRows(job.coeffA, job.gridWidth, 1, gx);
  const coeffB = new StretchedRows(job.coeffB, job.gridWidth, 1, gx);
  const fgRows = new LayerRows(job.foreground, job);
  const bg = job.background;
  const bgStretched =
    bg.kind === 'image' && (bg.width !== width || bg.height !== height)
      ? {
          rows: new StretchedRows(bg.data, bg.width, 4, new Taps(bg.width, width)),
          ty: new Taps(bg.height, height),
        }
      : undefined;
  const bgRows = bgStretched ? undefined : new LayerRows(bg, job);
  for (let y = rowStart; y < rowEnd; y++) {
    const wy = gy.w[y];
    const a0 = coeffA.row(gy.i0[y]);
    const a1 = coeffA.row(gy.i1[y]);
    const b0 = coeffB.row(gy.i0[y]);
    const b1 = coeffB.row(gy.i1[y]);
    const o0 = y * width;
    const p0 = o0 * 4;
    if (mode === 'mask') {
      for (let x = 0, p = p0; x < width; x++, p += 4) {
        const v = (alphaAt(frame, p, a0, a1, b0, b1, x, wy) * 255 + 0.5) | 0;
        out[o0 + x] = (v | (v << 8) | (v << 16) | 0xff000000) >>> 0;
      }
      continue;
    }
    const [fg, fo] = fgRows.read(y);
    if (mode === 'transparent') {
      for (let x = 0, p = p0, f = fo; x < width; x++, p += 4, f += 4) {
        const a = (alphaAt(frame, p, a0, a1, b0, b1, x, wy) * fg[f + 3] + 0.5) | 0;
        out[o0 + x] = (fg[f] | (fg[f + 1] << 8) | (fg[f + 2] << 16) | (a << 24)) >>> 0;
      }
      continue;
    }
    if (bgStretched) {
      const top = bgStretched.rows.row(bgStretched.ty.i0[y]);
      const bottom = bgStretched.rows.row(bgStretched.ty.i1[y]);
      const v = bgStretched.ty.w[y];
      for (let x = 0, p = p0, f = fo, b = 0; x < width; x++, p += 4, f += 4, b += 4) {
        const a = alphaAt(frame, p, a0, a1, b0, b1, x, wy);
        const br = top[b] + (bottom[b] - top[b]) * v;
        const bgG = top[b + 1] + (bottom[b + 1] - top[b + 1]) * v;
        const bb = top[b + 2] + (bottom[b + 2] - top[b + 2]) * v;
        const r = (br + (fg[f] - br) * a + 0.5) | 0;
        const g = (bgG + (fg[f + 1] - bgG) * a + 0.5) | 0;
        const bl = (bb + (fg[f + 2] - bb) * a + 0.5) | 0;
        out[o0 + x] = (r | (g << 8) | (bl << 16) | 0xff000000) >>> 0;
      }
      continue;
    }
    const [bgBytes, bo] = bgRows!.read(y);
    for (let x = 0, p = p0, f = fo, b = bo; x < width; x++, p += 4, f += 4, b += 4) {
      const a = alphaAt(frame, p, a0, a1, b0, b1, x, wy);
      const r = (bgBytes[b] + (fg[f] - bgBytes[b]) * a + 0.5) | 0;
      const g = (bgBytes[b + 1] + (fg[f + 1] - bgBytes[b + 1]) * a + 0.5) | 0;
      const bl = (bgBytes[b + 2] + (fg[f + 2] - bgBytes[b + 2]) * a + 0.5) | 0;
      out[o0 + x] = (r | (g << 8) | (bl << 16) | 0xff000000) >>> 0;
    }
  }
}
