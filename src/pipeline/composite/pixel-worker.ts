import { parentPort, workerData } from 'node:worker_threads';
import { loadPixelSimd } from '../../core/simd/pixel-simd.ts';
import { BandClaims, bandRows } from './band-claims.ts';
import { compositeRowsSimd, SimdCompositeSources, simdCompositeApplies } from './composite-simd.ts';
import { type CompositeJob, CompositeSources, compositeRows, RunPlan } from './kernels.ts';
import { type AreaJob, type AreaJobs, areaAverageRows, areaAverageRowsSimd, shrinkRows } from './resample.ts';

const simd = loadPixelSimd();

/** What one worker keeps across the bands it takes of one job (a composite's run plan and row sources). */
interface JobMemo {
  plan?: RunPlan;
  sources?: CompositeSources;
  simdSources?: SimdCompositeSources;
}

/** The kernels a pool worker runs; each writes rows [rowStart, rowEnd) of its output (shared memory). */
export const KERNELS = {
  area: (job: AreaJob, rowStart: number, rowEnd: number) =>
    simd ? areaAverageRowsSimd(job, rowStart, rowEnd, simd) : areaAverageRows(job, rowStart, rowEnd),
  areas: (jobs: AreaJobs, rowStart: number, rowEnd: number) =>
    shrinkRows(jobs, rowStart, rowEnd, (job, start, end) => KERNELS.area(job, start, end)),
  composite: (job: CompositeJob, rowStart: number, rowEnd: number, memo: JobMemo) => {
    memo.plan ??= new RunPlan(job);
    const plan = memo.plan;
    if (simd && simdCompositeApplies(job)) {
      memo.simdSources ??= new SimdCompositeSources(job, simd, plan);
      compositeRowsSimd(job, rowStart, rowEnd, simd, plan, memo.simdSources);
    } else {
      memo.sources ??= new CompositeSources(job, plan, simd);
      compositeRows(job, rowStart, rowEnd, plan, memo.sources);
    }
  },
};
export type KernelName = keyof typeof KERNELS;

/** A job, sent to every worker; each takes bands until none is left (band-claims.ts). */
interface BandedRequest {
  id: number;
  kernel: KernelName;
  job: never;
  rows: number;
  bands: number;
  slot: number;
  tag: number;
}

const claims = BandClaims.attach((workerData as { claims: Int32Array }).claims);

parentPort?.on('message', (request: BandedRequest) => {
  const { id, kernel, job, rows, bands, slot, tag } = request;
  const memo: JobMemo = {};
  for (let band = claims.claim(slot, tag, bands); band >= 0; band = claims.claim(slot, tag, bands)) {
    const [rowStart, rowEnd] = bandRows(band, bands, rows);
    let failed = false;
    try {
      KERNELS[kernel](job, rowStart, rowEnd, memo);
    } catch (error) {
      failed = true;
      parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
    if (claims.finish(slot, bands, failed))
      parentPort?.postMessage({ id, done: true, failed: claims.failed(slot) });
  }
});
parentPort?.postMessage({ ready: true, simd: simd !== undefined });
