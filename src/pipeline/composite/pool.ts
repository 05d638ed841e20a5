import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CompositeJob } from './kernels.ts';
import type { AreaJob } from './resample.ts';

/**
 * A small pool of worker threads for frame-resolution pixel kernels. One call is split into row bands,
 * one per worker, over shared memory (typed arrays on SharedArrayBuffer travel without a copy), so the
 * main thread never loops over 1280x720 pixels and both cores work on one frame.
 */
interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface KernelJobs {
  area: AreaJob;
  composite: CompositeJob;
}

export class PixelPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | undefined;
  private disposed = false;

  /**
   * @param simd every worker loaded the WebAssembly SIMD kernels (core/simd, composite-simd.ts); else
   *   they composite in JavaScript.
   */
  private constructor(
    private readonly workers: Worker[],
    readonly simd: boolean,
  ) {
    for (const worker of workers) {
      worker.on('message', (message: { id?: number; error?: string }) => {
        if (message.id === undefined) return;
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        if (message.error) waiting.reject(new Error(`pixel worker: ${message.error}`));
        else waiting.resolve();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (!this.disposed) this.fail(new Error(`pixel worker exited with code ${code}`));
      });
    }
  }

  /** Starts `size` workers (default: one per core, at most 4) and waits until each has loaded. */
  static async create(size = Math.min(4, availableParallelism())): Promise<PixelPool> {
    const url = new URL('./pixel-worker.js', import.meta.url);
    const workers = Array.from({ length: Math.max(1, size) }, () => new Worker(url));
    const simd: boolean[] = [];
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (message: { ready?: boolean; simd?: boolean }) => {
              if (message.ready) {
                worker.off('message', onMessage);
                simd.push(message.simd === true);
                resolve();
              }
            };
            worker.on('message', onMessage);
            worker.once('error', reject);
          }),
      ),
    );
    return new PixelPool(workers, simd.every(Boolean));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs `kernel` over rows [0, rows), one band per worker; resolves when every band is written. */
  run<K extends keyof KernelJobs>(kernel: K, job: KernelJobs[K], rows: number): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const bands = Math.min(this.workers.length, Math.max(1, rows));
    const step = Math.ceil(rows / bands);
    const done: Promise<void>[] = [];
    for (let band = 0; band < bands; band++) {
      const rowStart = band * step;
      const rowEnd = Math.min(rows, rowStart + step);
      if (rowStart >= rowEnd) break;
      const id = this.nextId++;
      done.push(
        new Promise<void>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          this.workers[band].postMessage({ id, kernel, job, rowStart, rowEnd });
        }),
      );
    }
    return Promise.all(done).then(() => undefined);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.fail(new Error('pixel pool disposed'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
