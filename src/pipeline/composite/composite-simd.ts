import { fixedWeight, fixedWeights } from '../../core/packed-rgba.ts';
import { ALL_BITS, OPAQUE_MASK, type PixelSimd, RGB_MASK, simdMemory } from '../../core/simd/pixel-simd.ts';
import { type CompositeJob, type ImagePlane, RunPlan, Taps } from './kernels.ts';
import { ModuleCoefficients, ModuleLayout, ModuleRows } from './module-rows.ts';

/**
 * The compositor's cases — the frame blended over an image (blur-background's small blurred plane, a
 * style painting, a replacement image or colour), an image over the frame (style-person) and the
 * frame with the mask as alpha (transparent-background), the mask as grey (the mask view) — with
 * their per-pixel loops in WebAssembly SIMD (core/simd). Real 720p frame and mask, one core: 6.7 ->
 * 3.7 ms. Other layers (a colour over the frame, say) stay with compositeRows.
 */

export function simdCompositeApplies(job: CompositeJob): boolean {
  const { mode, foreground, background } = job;
  if (mode === 'mask') return true; // the mask view shows the mask alone
  if (mode === 'transparent') return foreground.kind === 'frame';
  if (mode !== 'blend') return false;
  return (
    (foreground.kind === 'frame' && background.kind === 'image') ||
    (foreground.kind === 'image' && background.kind === 'frame')
  );
}

/** The layer that is not the frame (a blend's image, either way round), or a 1x1 stand-in. */
function imageLayer(job: CompositeJob): ImagePlane {
  if (job.mode === 'blend' && job.background.kind === 'image') return job.background;
  if (job.mode === 'blend' && job.foreground.kind === 'image') return job.foreground;
  // transparent-background and the mask view show no other layer: the stand-in is never read.
  return NO_IMAGE;
}

/**
 * Layout of the module's memory, after SIMD_HEAP_BASE: a block of output rows and the same block of
 * frame rows (copied in and out a block at a time: one copy per row cost more than the lerps), six
 * stretched rows (two of the image layer, two each of the coefficients A and B), the stretch tables,
 * and the job's small planes themselves (coefficients, a small image), copied in once per job.
 */
const BLOCK_ROWS = 16;

const NO_IMAGE: ImagePlane = { data: new Uint8Array(4), width: 1, height: 1 };

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
  /** Where a frame-sized image's row is copied (when the image needs no stretch). */
  readonly backgroundRow: number;

  constructor(job: CompositeJob, simd: PixelSimd, plan: RunPlan) {
    const { width, height, gridWidth, gridHeight } = job;
    const background = imageLayer(job);
    const stride = width * 4;
    const stretch = background !== NO_IMAGE && (background.width !== width || background.height !== height);
    const layout = new ModuleLayout();
    this.stride = stride;
    this.outBlock = layout.take(BLOCK_ROWS * stride);
    this.frameBlock = layout.take(BLOCK_ROWS * stride);
    const backgroundRows: [number, number] = [layout.take(stride), layout.take(stride)];
    const coefficients = new ModuleCoefficients(layout, width, gridWidth, gridHeight);
    const tables = stretch ? [0, 1, 2].map(() => layout.take(width * 4)) : [];
    const image = stretch ? layout.take(background.width * background.height * 4) : 0;
    const buffer = simdMemory(simd, layout.size);
    this.bytes = new Uint8Array(buffer);
    // The coefficients are read at mixed pixels only: each row is stretched over just their columns.
    const { a, b } = coefficients.fill(simd, job.coeffA, job.coeffB, plan.gx, (r) => plan.mixedColumns(r));
    this.coeffA = a;
    this.coeffB = b;
    this.backgroundRow = backgroundRows[0];
    this.stretched = undefined;
    if (stretch) {
      const tx = new Taps(background.width, width);
      new Int32Array(buffer, tables[0], width).set(tx.i0);
      new Int32Array(buffer, tables[1], width).set(tx.i1);
      new Int32Array(buffer, tables[2], width).set(fixedWeights(tx.w));
      this.bytes.set(background.data.subarray(0, background.width * background.height * 4), image);
      const imageRow = background.width * 4;
      this.stretched = {
        rows: new ModuleRows(backgroundRows, (r, at) =>
          simd.stretchRow(at, image + r * imageRow, tables[0], tables[1], tables[2], width),
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
  const image = imageLayer(job);
  const transparent = job.mode === 'transparent';
  const maskView = job.mode === 'mask';
  // style-person: the painting is the foreground, so the frame shows where alpha is settled at 0.
  const swapped = job.mode === 'blend' && job.foreground.kind === 'image';
  const frameClass = swapped ? 0 : 1;
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
        if (maskView && k !== 2) {
          // Settled: white where the person is, black elsewhere.
          simd.copyRun(out, frameRow, xs, xe, 0, k === 1 ? ALL_BITS : OPAQUE_MASK);
          continue;
        }
        if (!maskView && k === frameClass) {
          // Blend: the frame, opaque; transparent: the frame as it is.
          simd.copyRun(out, frameRow, xs, xe, ALL_BITS, transparent ? 0 : OPAQUE_MASK);
          continue;
        }
        if (transparent && k === 0) {
          // Straight alpha: the colour stays, alpha 0 (what a mixed pixel gives when settled).
          simd.copyRun(out, frameRow, xs, xe, RGB_MASK, 0);
          continue;
        }
        if (!transparent && !maskView && top < 0) {
          if (stretched) {
            top = stretched.rows.row(stretched.ty.i0[y]);
            bottom = stretched.rows.row(stretched.ty.i1[y]);
            q = fixedWeight(stretched.ty.w[y]);
          } else {
            top = bottom = sources.backgroundRow;
            bytes.set(image.data.subarray(y * stride, (y + 1) * stride), top);
          }
        }
        if (k !== 2) {
          // The image's class: the painting or the background, opaque.
          simd.lerpRun(out, top, bottom, xs, xe, q, OPAQUE_MASK);
          continue;
        }
        if (a0 < 0) {
          a0 = coeffA.row(gy.i0[y]);
          a1 = coeffA.row(gy.i1[y]);
          b0 = coeffB.row(gy.i0[y]);
          b1 = coeffB.row(gy.i1[y]);
        }
        if (transparent || maskView)
          simd.alphaRun(out, frameRow, a0, a1, b0, b1, gy.w[y], xs, xe, maskView ? 1 : 0);
        else simd.mixedRun(out, frameRow, top, bottom, q, a0, a1, b0, b1, gy.w[y], xs, xe, swapped ? 1 : 0);
      }
    }
    job.out.set(bytes.subarray(outBlock, outBlock + (last - first)), first);
  }
}
