import { fixedWeight, fixedWeights } from '../../core/packed-rgba.ts';
import { OPAQUE_MASK, type PixelSimd, SIMD_HEAP_BASE, simdMemory } from '../../core/simd/pixel-simd.ts';
import { type CompositeJob, RunPlan, Taps } from './kernels.ts';

/**
 * The compositor's hot case — the frame blended over an image (blur-background's small blurred plane,
 * a style painting) — with its per-pixel loops in WebAssembly SIMD (core/simd). Real 720p frame and
 * mask, one core: 6.7 -> 3.7 ms. Any other layer or mode stays with compositeRows.
 */

export function simdCompositeApplies(job: CompositeJob): boolean {
  return job.mode === 'blend' && job.foreground.kind === 'frame' && job.background.kind === 'image';
}

/**
 * Layout of the module's memory, after SIMD_HEAP_BASE: a block of output rows and the same block of
 * frame rows (copied in and out a block at a time: one copy per row cost more than the lerps), six
 * stretched rows (two of the background, two each of the coefficients A and B), the stretch tables,
 * and the job's small planes themselves (coefficients, background image), copied in once per job.
 */
const BLOCK_ROWS = 16;
const ROWS = 6;

/**
 * Two stretched rows kept by source row index, filled in the module (the JavaScript fill of the
 * coefficient and background rows took ~1.6 of ~3.9 ms per 720p composite on one core).
 */
class ModuleRows {
  private readonly index = [-1, -1];
  private next = 0;

  /** `slots`: where the two rows live; `fill(r, at)` writes source row r stretched at `at`. */
  constructor(
    private readonly slots: [number, number],
    private readonly fill: (r: number, at: number) => void,
  ) {}

  /** Byte offset of source row r, stretched. */
  row(r: number): number {
    if (this.index[0] === r) return this.slots[0];
    if (this.index[1] === r) return this.slots[1];
    const slot = this.next;
    this.next = 1 - slot;
    this.index[slot] = r;
    this.fill(r, this.slots[slot]);
    return this.slots[slot];
  }
}

/** Bump allocation in the module's memory, from SIMD_HEAP_BASE, 16-byte aligned. */
class ModuleLayout {
  private end = SIMD_HEAP_BASE;

  take(bytes: number): number {
    const at = this.end;
    this.end += Math.ceil(bytes / 16) * 16;
    return at;
  }

  get size(): number {
    return this.end;
  }
}

/**
 * The module memory's layout and row caches for one job, built once: a pool worker keeps it across
 * the bands it takes (valid while no other kernel grows the module's memory, i.e. within one job).
 */
export class SimdCompositeSources {
  readonly bytes: Uint8Array;
  readonly stride: number;
  readonly outBlock: number;
  readonly frameBlock: number;
  readonly coeffA: ModuleRows;
  readonly coeffB: ModuleRows;
  readonly stretched: { rows: ModuleRows; ty: Taps } | undefined;
  /** Where a frame-sized background row is copied (when the background needs no stretch). */
  readonly backgroundRow: number;

  constructor(job: CompositeJob, simd: PixelSimd, plan: RunPlan) {
    const { width, height, gridWidth, gridHeight } = job;
    const background = job.background;
    if (background.kind !== 'image') throw new Error('compositeRowsSimd: the background must be an image');
    const stride = width * 4;
    const stretch = background.width !== width || background.height !== height;
    const layout = new ModuleLayout();
    this.stride = stride;
    this.outBlock = layout.take(BLOCK_ROWS * stride);
    this.frameBlock = layout.take(BLOCK_ROWS * stride);
    const rows = Array.from({ length: ROWS }, () => layout.take(stride));
    const tables = Array.from({ length: stretch ? 6 : 3 }, () => layout.take(width * 4));
    const planeA = layout.take(gridWidth * gridHeight * 4);
    const planeB = layout.take(gridWidth * gridHeight * 4);
    const image = stretch ? layout.take(background.width * background.height * 4) : 0;
    const buffer = simdMemory(simd, layout.size);
    this.bytes = new Uint8Array(buffer);
    new Int32Array(buffer, tables[0], width).set(plan.gx.i0);
    new Int32Array(buffer, tables[1], width).set(plan.gx.i1);
    new Float32Array(buffer, tables[2], width).set(plan.gx.w);
    new Float32Array(buffer, planeA, job.coeffA.length).set(job.coeffA);
    new Float32Array(buffer, planeB, job.coeffB.length).set(job.coeffB);
    const rowBytes = gridWidth * 4;
    const coefficientRows = (plane: number, slots: [number, number]) =>
      new ModuleRows(slots, (r, at) =>
        simd.stretchFloatRow(at, plane + r * rowBytes, tables[0], tables[1], tables[2], width),
      );
    this.coeffA = coefficientRows(planeA, [rows[2], rows[3]]);
    this.coeffB = coefficientRows(planeB, [rows[4], rows[5]]);
    this.backgroundRow = rows[0];
    this.stretched = undefined;
    if (stretch) {
      const tx = new Taps(background.width, width);
      new Int32Array(buffer, tables[3], width).set(tx.i0);
      new Int32Array(buffer, tables[4], width).set(tx.i1);
      new Int32Array(buffer, tables[5], width).set(fixedWeights(tx.w));
      this.bytes.set(background.data.subarray(0, background.width * background.height * 4), image);
      const imageRow = background.width * 4;
      this.stretched = {
        rows: new ModuleRows([rows[0], rows[1]], (r, at) =>
          simd.stretchRow(at, image + r * imageRow, tables[3], tables[4], tables[5], width),
        ),
        ty: new Taps(background.height, height),
      };
    }
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
            top = stretched.rows.row(stretched.ty.i0[y]);
            bottom = stretched.rows.row(stretched.ty.i1[y]);
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
          a0 = coeffA.row(gy.i0[y]);
          a1 = coeffA.row(gy.i1[y]);
          b0 = coeffB.row(gy.i0[y]);
          b1 = coeffB.row(gy.i1[y]);
        }
        simd.mixedRun(out, frameRow, top, bottom, q, a0, a1, b0, b1, gy.w[y], xs, xe);
      }
    }
    job.out.set(bytes.subarray(outBlock, outBlock + (last - first)), first);
  }
}
