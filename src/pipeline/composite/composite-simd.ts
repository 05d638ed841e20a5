import { fixedWeight } from '../../core/packed-rgba.ts';
import { OPAQUE_MASK, type PixelSimd, SIMD_HEAP_BASE, simdMemory } from '../../core/simd/pixel-simd.ts';
import { type CompositeJob, PackedRows, RunPlan, StretchedRows, Taps } from './kernels.ts';

/**
 * The compositor's hot case — the frame blended over an image (blur-background's small blurred plane,
 * a style painting) — with its per-pixel loops in WebAssembly SIMD (core/simd). Real 720p frame and
 * mask, one core: 6.7 -> 3.7 ms. Any other layer or mode stays with compositeRows.
 */

export function simdCompositeApplies(job: CompositeJob): boolean {
  return job.mode === 'blend' && job.foreground.kind === 'frame' && job.background.kind === 'image';
}

/**
 * Layout of the module's memory, after SIMD_HEAP_BASE: a block of output
 * rows and the same block of frame rows (copied in and out a block at a time: one copy per row cost
 * more than the lerps), then one row each for the two background rows and four coefficient rows.
 */
const BLOCK_ROWS = 16;
const ROW = { top: 0, bottom: 1, a0: 2, a1: 3, b0: 4, b1: 5 } as const;
const ROWS = 6;

/** compositeRows for simdCompositeApplies(job) jobs: same output within one level. */
export function compositeRowsSimd(
  job: CompositeJob,
  rowStart: number,
  rowEnd: number,
  simd: PixelSimd,
  plan = new RunPlan(job),
): void {
  const { width, height, frame, gridWidth } = job;
  const background = job.background;
  if (background.kind !== 'image') throw new Error('compositeRowsSimd: the background must be an image');
  const stride = width * 4;
  const outBlock = SIMD_HEAP_BASE;
  const frameBlock = outBlock + BLOCK_ROWS * stride;
  const rowsAt = frameBlock + BLOCK_ROWS * stride;
  const buffer = simdMemory(simd, rowsAt + ROWS * stride);
  const bytes = new Uint8Array(buffer);
  const at = (row: number) => rowsAt + row * stride;
  const floats = (row: number) => new Float32Array(buffer, at(row), width);
  const { gy } = plan;
  const coeffA = new StretchedRows(job.coeffA, gridWidth, 1, plan.gx, [floats(ROW.a0), floats(ROW.a1)]);
  const coeffB = new StretchedRows(job.coeffB, gridWidth, 1, plan.gx, [floats(ROW.b0), floats(ROW.b1)]);
  const stretched =
    background.width !== width || background.height !== height
      ? {
          rows: new PackedRows(background.data, background.width, new Taps(background.width, width), [
            new Int32Array(buffer, at(ROW.top), width),
            new Int32Array(buffer, at(ROW.bottom), width),
          ]),
          ty: new Taps(background.height, height),
        }
      : undefined;
  for (let blockStart = rowStart; blockStart < rowEnd; blockStart += BLOCK_ROWS) {
    const blockEnd = Math.min(rowEnd, blockStart + BLOCK_ROWS);
    const first = blockStart * stride;
    const last = blockEnd * stride;
    bytes.set(frame.subarray(first, last), frameBlock);
    for (let y = blockStart; y < blockEnd; y++) {
      const runs = plan.runs(y);
      const out = outBlock + (y - blockStart) * stride;
      const frameRow = frameBlock + (y - blockStart) * stride;
      let top = -1;
      let bottom = -1;
      let q = 0;
      let a0 = -1;
      let a1 = -1;
      let b0 = -1;
      let b1 = -1;
      for (let run = 0; run < runs.length; run += 3) {
        const xs = runs[run];
        const xe = runs[run + 1];
        const k = runs[run + 2];
        if (k === 1) {
          simd.opaqueRun(out, frameRow, xs, xe);
          continue;
        }
        if (top < 0) {
          if (stretched) {
            top = stretched.rows.row(stretched.ty.i0[y]).byteOffset;
            bottom = stretched.rows.row(stretched.ty.i1[y]).byteOffset;
            q = fixedWeight(stretched.ty.w[y]);
          } else {
            top = bottom = at(ROW.top);
            bytes.set(background.data.subarray(y * stride, (y + 1) * stride), top);
          }
        }
        if (k === 0) {
          simd.lerpRun(out, top, bottom, xs, xe, q, OPAQUE_MASK);
          continue;
        }
        if (a0 < 0) {
          a0 = coeffA.row(gy.i0[y]).byteOffset;
          a1 = coeffA.row(gy.i1[y]).byteOffset;
          b0 = coeffB.row(gy.i0[y]).byteOffset;
          b1 = coeffB.row(gy.i1[y]).byteOffset;
        }
        simd.mixedRun(out, frameRow, top, bottom, q, a0, a1, b0, b1, gy.w[y], xs, xe);
      }
    }
    job.out.set(bytes.subarray(outBlock, outBlock + (last - first)), first);
  }
}
