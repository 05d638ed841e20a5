import { type PixelSimd, SIMD_HEAP_BASE, simdMemory } from '../../core/simd/pixel-simd.ts';

/**
 * Frame-resolution pixel kernels that shrink an RGBA frame. Pure functions over a band of output rows,
 * so the worker pool can split one call across cores.
 */

export interface AreaJob {
  /** RGBA source, width x height. */
  rgba: Uint8Array;
  width: number;
  height: number;
  /** Source region (frame pixels, may be fractional). */
  srcX: number;
  srcY: number;
  srcWidth: number;
  srcHeight: number;
  /** Output: interleaved RGB floats in [0, 255], outWidth x outHeight. */
  out: Float32Array;
  outWidth: number;
  outHeight: number;
  /**
   * Write a model's input instead of RGB [0, 255]: each mean m as (m - subtract) * multiply (rounded
   * to f32 like m itself), the normalisation encodeInput applies, so the model reads `out` as it is.
   */
  encode?: { subtract: number; multiply: number };
}

/** Several shrinks of one frame as one pool job (one hand-off instead of one each). */
export interface AreaJobs {
  shrinks: AreaJob[];
}

/** Rows [rowStart, rowEnd) of the shrinks' output rows laid end to end, each part run by `run`. */
export function shrinkRows(
  jobs: AreaJobs,
  rowStart: number,
  rowEnd: number,
  run: (job: AreaJob, rowStart: number, rowEnd: number) => void,
): void {
  let offset = 0;
  for (const job of jobs.shrinks) {
    const start = Math.max(rowStart - offset, 0);
    const end = Math.min(rowEnd - offset, job.outHeight);
    if (start < end) run(job, start, end);
    offset += job.outHeight;
  }
}

/**
 * Area-average downsampling (each output pixel is the mean of the source pixels whose centres fall in
 * its footprint) — no aliasing when shrinking 5x; when enlarging, the nearest pixel is used instead.
 */
export function areaAverageRows(job: AreaJob, rowStart: number, rowEnd: number): void {
  const { rgba, width, height, out, outWidth, outHeight, encode } = job;
  const stepX = job.srcWidth / outWidth;
  const stepY = job.srcHeight / outHeight;
  const x0s = new Int32Array(outWidth);
  const x1s = new Int32Array(outWidth);
  for (let ox = 0; ox < outWidth; ox++) {
    const [lo, hi] = footprint(job.srcX + ox * stepX, stepX, width);
    x0s[ox] = lo;
    x1s[ox] = hi;
  }
  // One 32-bit read per pixel where the frame allows it (fewer loads than three byte reads), and R and B
  // summed together in the two 16-bit lanes of one integer while a footprint holds at most 256 pixels
  // (256 x 255 fits a lane): two adds per pixel instead of three.
  const words =
    rgba.byteOffset % 4 === 0 ? new Int32Array(rgba.buffer, rgba.byteOffset, rgba.length >> 2) : undefined;
  const packed = words !== undefined && (Math.ceil(stepX) + 1) * (Math.ceil(stepY) + 1) <= 256;
  for (let oy = rowStart; oy < rowEnd; oy++) {
    const [y0, y1] = footprint(job.srcY + oy * stepY, stepY, height);
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = x0s[ox];
      const x1 = x1s[ox];
      let r = 0;
      let g = 0;
      let b = 0;
      if (packed && words) {
        let rb = 0;
        for (let y = y0; y < y1; y++) {
          for (let i = y * width + x0, end = i + x1 - x0; i < end; i++) {
            const w = words[i];
            rb += w & 0xff00ff;
            g += (w >> 8) & 255;
          }
        }
        r = rb & 0xffff;
        b = rb >>> 16;
      } else
        for (let y = y0; y < y1; y++) {
          if (words) {
            for (let i = y * width + x0, end = i + x1 - x0; i < end; i++) {
              const w = words[i];
              r += w & 255;
              g += (w >> 8) & 255;
              b += (w >> 16) & 255;
            }
            continue;
          }
          let p = (y * width + x0) * 4;
          for (let x = x0; x < x1; x++, p += 4) {
            r += rgba[p];
            g += rgba[p + 1];
            b += rgba[p + 2];
          }
        }
      const inv = 1 / ((y1 - y0) * (x1 - x0));
      const o = (oy * outWidth + ox) * 3;
      out[o] = r * inv;
      out[o + 1] = g * inv;
      out[o + 2] = b * inv;
      if (encode) for (let c = o; c < o + 3; c++) out[c] = (out[c] - encode.subtract) * encode.multiply;
    }
  }
}

/**
 * areaAverageRows in WebAssembly SIMD (core/simd): the band's source rows are copied into the module's
 * memory, summed down the columns (16-bit lanes) four channels at a time, then across each footprint. Same footprints;
 * floats within 1e-4 of areaAverageRows'. 1280x720 -> 256x256 on one core: see the bench's pixel work.
 */
export function areaAverageRowsSimd(job: AreaJob, rowStart: number, rowEnd: number, simd: PixelSimd): void {
  if (rowStart >= rowEnd) return;
  const { rgba, width, height, out, outWidth } = job;
  const stepX = job.srcWidth / outWidth;
  const stepY = job.srcHeight / job.outHeight;
  // The module sums columns in 16-bit lanes: at most 257 rows of 255 per footprint (a 37x shrink).
  if (Math.ceil(stepY) + 1 > 257) {
    areaAverageRows(job, rowStart, rowEnd);
    return;
  }
  const rowFootprint = (oy: number) => footprint(job.srcY + oy * stepY, stepY, height);
  const first = rowFootprint(rowStart)[0];
  const last = Math.max(...[rowStart, rowEnd - 1].map((oy) => rowFootprint(oy)[1]));
  const x0s = SIMD_HEAP_BASE;
  const x1s = x0s + outWidth * 4;
  const columns = x1s + outWidth * 4;
  const outRow = columns + width * 16;
  const rowFloats = outWidth * 3;
  const source = outRow + (rowFloats + 4) * 4;
  const memory = simdMemory(simd, source + (last - first) * width * 4);
  const starts = new Int32Array(memory, x0s, outWidth);
  const ends = new Int32Array(memory, x1s, outWidth);
  for (let ox = 0; ox < outWidth; ox++)
    [starts[ox], ends[ox]] = footprint(job.srcX + ox * stepX, stepX, width);
  new Uint8Array(memory).set(rgba.subarray(first * width * 4, last * width * 4), source);
  const row = new Float32Array(memory, outRow, rowFloats);
  const { encode } = job;
  for (let oy = rowStart; oy < rowEnd; oy++) {
    const [y0, y1] = rowFootprint(oy);
    simd.areaRow(
      outRow,
      source,
      width,
      y0 - first,
      y1 - first,
      x0s,
      x1s,
      outWidth,
      columns,
      encode ? 1 : 0,
      encode?.subtract ?? 0,
      encode?.multiply ?? 1,
    );
    out.set(row, oy * rowFloats);
  }
}

/** Integer pixel range [lo, hi) whose centres lie in [start, start + span), at least one pixel. */
function footprint(start: number, span: number, limit: number): [number, number] {
  let lo = Math.ceil(start - 0.5);
  let hi = Math.ceil(start + span - 0.5);
  if (hi <= lo) {
    lo = Math.floor(start + span / 2);
    hi = lo + 1;
  }
  lo = Math.min(limit - 1, Math.max(0, lo));
  hi = Math.min(limit, Math.max(lo + 1, hi));
  return [lo, hi];
}

/** Luma (BT.601) in [0, 1] of an interleaved RGB [0, 255] plane. */
export function lumaOf(
  rgb: Float32Array,
  out: Float32Array = new Float32Array(rgb.length / 3),
): Float32Array {
  const n = rgb.length / 3;
  for (let i = 0; i < n; i++)
    out[i] = (0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2]) / 255;
  return out;
}
