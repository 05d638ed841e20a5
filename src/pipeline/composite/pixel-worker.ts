import { parentPort } from 'node:worker_threads';
import { loadPixelSimd } from '../../core/simd/pixel-simd.ts';
import { compositeRowsSimd, simdCompositeApplies } from './composite-simd.ts';
import { type CompositeJob, compositeRows } from './kernels.ts';
import { type AreaJob, areaAverageRows, areaAverageRowsSimd } from './resample.ts';

const simd = loadPixelSimd();

/** The kernels a pool worker runs; each writes rows [rowStart, rowEnd) of its output (shared memory). */
export const KERNELS = {
  area: (job: AreaJob, rowStart: number, rowEnd: number) =>
    simd ? areaAverageRowsSimd(job, rowStart, rowEnd, simd) : areaAverageRows(job, rowStart, rowEnd),
  composite: (job: CompositeJob, rowStart: number, rowEnd: number) =>
    simd && simdCompositeApplies(job)
      ? compositeRowsSimd(job, rowStart, rowEnd, simd)
      : compositeRows(job, rowStart, rowEnd),
};
export type KernelName = keyof typeof KERNELS;

interface Request {
  id: number;
  kernel: KernelName;
  job: never;
  rowStart: number;
  rowEnd: number;
}

parentPort?.on('message', (request: Request) => {
  try {
    KERNELS[request.kernel](request.job, request.rowStart, request.rowEnd);
    parentPort?.postMessage({ id: request.id });
  } catch (error) {
    parentPort?.postMessage({
      id: request.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
parentPort?.postMessage({ ready: true, simd: simd !== undefined });
