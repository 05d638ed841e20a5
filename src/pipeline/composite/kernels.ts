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

/** Alpha in [0, 1] for each pixel of row y, from the guided coefficients and the frame's luma. */
function alphaRow(
  frame: Uint8Array,
  width: number,
  y: number,
  gy: Taps,
  a: StretchedRows,
  b: StretchedRows,
  alpha: Float32Array,
): void {
  const wy = gy.w[y];
  const a0 = a.row(gy.i0[y]);
  const a1 = a.row(gy.i1[y]);
  const b0 = b.row(gy.i0[y]);
  const b1 = b.row(gy.i1[y]);
  for (let x = 0, p = y * width * 4; x < width; x++, p += 4) {
    const luma = (0.299 * frame[p] + 0.587 * frame[p + 1] + 0.114 * frame[p + 2]) * (1 / 255);
    const q = (a0[x] + (a1[x] - a0[x]) * wy) * luma + b0[x] + (b1[x] - b0[x]) * wy;
    alpha[x] = q < 0 ? 0 : Math.min(q, 1);
  }
}

export function compositeRows(job: CompositeJob, rowStart: number, rowEnd: number): void {
  const { width, height, mode } = job;
  // One 32-bit store per pixel (little-endian RGBA); `| 0` keeps every value an int (no float->uint8 path).
  const out = new Uint32Array(job.out.buffer, job.out.byteOffset, job.out.length >> 2);
  const gx = new Taps(job.gridWidth, width);
  const gy = new Taps(job.gridHeight, height);
  const coeffA = new StretchedRows(job.coeffA, job.gridWidth, 1, gx);
  const coeffB = new StretchedRows(job.coeffB, job.gridWidth, 1, gx);
  const alpha = new Float32Array(width);
  const fgRows = new LayerRows(job.foreground, job);
  const bgRows = new LayerRows(job.background, job);
  for (let y = rowStart; y < rowEnd; y++) {
    alphaRow(job.frame, width, y, gy, coeffA, coeffB, alpha);
    let o = y * width;
    if (mode === 'mask') {
      for (let x = 0; x < width; x++, o++) {
        const v = (alpha[x] * 255 + 0.5) | 0;
        out[o] = (v | (v << 8) | (v << 16) | 0xff000000) >>> 0;
      }
      continue;
    }
    const [fg, fo] = fgRows.read(y);
    if (mode === 'transparent') {
      for (let x = 0, f = fo; x < width; x++, o++, f += 4) {
        const a = (alpha[x] * fg[f + 3] + 0.5) | 0;
        out[o] = (fg[f] | (fg[f + 1] << 8) | (fg[f + 2] << 16) | (a << 24)) >>> 0;
      }
      continue;
    }
    const [bg, bo] = bgRows.read(y);
    for (let x = 0, f = fo, b = bo; x < width; x++, o++, f += 4, b += 4) {
      const a = alpha[x];
      const r = (bg[b] + (fg[f] - bg[b]) * a + 0.5) | 0;
      const g = (bg[b + 1] + (fg[f + 1] - bg[b + 1]) * a + 0.5) | 0;
      const bl = (bg[b + 2] + (fg[f + 2] - bg[b + 2]) * a + 0.5) | 0;
      out[o] = (r | (g << 8) | (bl << 16) | 0xff000000) >>> 0;
    }
  }
}
