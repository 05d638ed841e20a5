import { parentPort, workerData } from 'node:worker_threads';
import { loadPixelSimd } from '../../core/simd/pixel-simd.ts';
import { BandClaims, bandRows } from './band-claims.ts';
import { compositeRowsSimd, SimdCompositeSources, simdCompositeApplies } from './composite-simd.ts';
import { type CompositeJob, CompositeSources, compositeRows, RunPlan } from './kernels.ts';
import {
  closeSegmenters,
  loadSegmenter,
  runSegmentStep,
  type SegmenterLoad,
  type SegmentStep,
} from './pool-segment.ts';
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
  /** Run by the worker that finishes the last band, before the job is done. */
  then?: SegmentStep;
}

/** Sent to every worker once, answered by each with { control: id }. */
interface ControlRequest {
  op: 'load-segmenter';
  control: number;
  load: SegmenterLoad;
}

/** The pool is done: close the ORT sessions after the calls in flight, then let this thread end. */
interface CloseRequest {
  op: 'close';
}

const claims = BandClaims.attach((workerData as { claims: Int32Array }).claims);
const post = (message: unknown) => parentPort?.postMessage(message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

parentPort?.on('message', (request: BandedRequest | ControlRequest | CloseRequest) => {
  if ('op' in request) {
    if (request.op === 'close') {
      void closeSegmenters().finally(() => parentPort?.close());
      return;
    }
    loadSegmenter(request.load).then(
      () => post({ control: request.control }),
      (error) => post({ control: request.control, error: messageOf(error) }),
    );
    return;
  }
  const { id, kernel, job, rows, bands, slot, tag } = request;
  const memo: JobMemo = {};
  for (let band = claims.claim(slot, tag, bands); band >= 0; band = claims.claim(slot, tag, bands)) {
    const [rowStart, rowEnd] = bandRows(band, bands, rows);
    let failed = false;
    try {
      KERNELS[kernel](job, rowStart, rowEnd, memo);
    } catch (error) {
      failed = true;
      post({ id, error: messageOf(error) });
    }
    if (!claims.finish(slot, bands, failed)) continue;
    if (request.then && !claims.failed(slot)) {
      runSegmentStep(request.then, () => post({ id, started: true })).then(
        (result) => post({ id, done: true, failed: false, result }),
        (error) => {
          post({ id, error: messageOf(error) });
          post({ id, done: true, failed: true });
        },
      );
    } else post({ id, done: true, failed: claims.failed(slot) });
  }
});

post({ ready: true, simd: simd !== undefined });
