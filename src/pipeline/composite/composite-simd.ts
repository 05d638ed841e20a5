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

/**
 * The module memory's layout and row caches for one job, built once: a pool worker keeps it across
 * the bands it takes (valid while no other kernel grows the module's memory, i.e. within one job).
 */
export class SimdCompositeSources {
  readonly bytes: Uint8Array;
  readonly stride: number;
  readonly outBlock: number;
  readonly frameBlock: number;
  readonly coeffA: StretchedRows;
  readonly coeffB: StretchedRows;
  readonly stretched: { rows: PackedRows; ty: Taps } | undefined;
  /** Where a frame-sized background row is copied (when the background needs no stretch). */
  readonly backgroundRow: number;

  constructor(job: CompositeJob, simd: PixelSimd, plan: RunPlan) {
    const { width, height, gridWidth } = job;
    const background = job.background;
    if (background.kind !== 'image') throw new Error('compositeRowsSimd: the background must be an image');
    this.stride = width * 4;
    this.outBlock = SIMD_HEAP_BASE;
    this.frameBlock = this.outBlock + BLOCK_ROWS * this.stride;
    const rowsAt = this.frameBlock + BLOCK_ROWS * this.stride;
    const buffer = simdMemory(simd, rowsAt + ROWS * this.stride);
    this.bytes = new Uint8Array(buffer);
    const at = (row: number) => rowsAt + row * this.stride;
    const floats = (row: number) => new Float32Array(buffer, at(row), width);
    this.backgroundRow = at(ROW.top);
    this.coeffA = new StretchedRows(job.coeffA, gridWidth, 1, plan.gx, [floats(ROW.a0), floats(ROW.a1)]);
    this.coeffB = new StretchedRows(job.coeffB, gridWidth, 1, plan.gx, [floats(ROW.b0), floats(ROW.b1)]);
    this.stretched =
      background.width !== width || background.height !== height
        ? {
            rows: new PackedRows(background.data, background.width, new Taps(background.width, width), [
              new Int32Array(buffer, at(ROW.top), width),
              new Int32Array(buffer, at(ROW.bottom), width),
            ]),
            ty: new Taps(background.height, height),
          }
        : undefined;
  }
}

/** compositeRows for simdCompositeApplies(job) jobs: same output within one level. */
export function compositeRowsSimd(
  job: CompositeJob,
  rowStart: number,
  rowEnd: number,
  simd: PixelSimd,
  plan = new RunPlan(job),
  sources = new SimdCompositeSources(job, simd, plan),
): void {
  const { frame } = job;
  const background = job.background;
  if (background.kind !== 'image') throw new Error('compositeRowsSimd: the background must be an image');
  const { bytes, stride, outBlock, frameBlock, coeffA, coeffB, stretched } = sources;
  const { gy } = plan;
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
            top = bottom = sources.backgroundRow;
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
