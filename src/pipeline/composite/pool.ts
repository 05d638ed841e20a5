import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { endWorker } from '../../core/worker-exit.ts';
import { BandClaims, bandCount, nextTag } from './band-claims.ts';
import type { CompositeJob } from './kernels.ts';
import type { SegmenterLoad, SegmentResult, SegmentStep } from './pool-segment.ts';
import type { AreaJob, AreaJobs } from './resample.ts';

/**
 * A small pool of worker threads for frame-resolution pixel kernels. One call is cut into row bands
 * that the workers take on demand (band-claims.ts), over shared memory (typed arrays on
 * SharedArrayBuffer travel without a copy), so the main thread never loops over 1280x720 pixels and
 * both cores work on one frame.
 */
interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  slot: number;
  /** A band's kernel threw: its message. */
  error?: string;
  /** The last band came in marked failed before that message: settle when it arrives. */
  failedAtDone?: boolean;
  /** The job's continuation (a model run) has started in a worker. */
  onStarted?: () => void;
  result?: unknown;
}

interface KernelJobs {
  area: AreaJob;
  areas: AreaJobs;
  composite: CompositeJob;
}

/** Jobs in flight at once (the masker runs two shrinks together); more wait for a slot. */
const SLOTS = 8;

interface WorkerMessage {
  id?: number;
  done?: boolean;
  failed?: boolean;
  error?: string;
  started?: boolean;
  result?: unknown;
  /** The answer to a control request (loading a model in every worker): its id. */
  control?: number;
}

export class PixelPool {
  private readonly pending = new Map<number, Pending>();
  private readonly freeSlots = Array.from({ length: SLOTS }, (_, i) => SLOTS - 1 - i);
  private readonly slotWaiters: { resolve: (slot: number) => void; reject: (error: Error) => void }[] = [];
  private nextId = 1;
  private tag = 0;
  private broken: Error | undefined;
  private disposed = false;
  /** Control requests waiting for every worker's answer, by id. */
  private readonly controls = new Map<
    number,
    { answers: WorkerMessage[]; done: (answers: WorkerMessage[]) => void }
  >();
  private nextControl = 1;
  /** Segmentation models open in every worker (loadSegmenter), by key. */
  private readonly segmenters = new Set<string>();

  /**
   * @param simd every worker loaded the WebAssembly SIMD kernels (core/simd, composite-simd.ts); else
   *   they composite in JavaScript.
   */
  private constructor(
    private readonly workers: Worker[],
    private readonly claims: BandClaims,
    readonly simd: boolean,
  ) {
    for (const worker of workers) {
      worker.on('message', (message: WorkerMessage) => this.onMessage(message));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (!this.disposed) this.fail(new Error(`pixel worker exited with code ${code}`));
      });
    }
  }

  /** Starts `size` workers (default: one per core, at most 4) and waits until each has loaded. */
  static async create(size = Math.min(4, availableParallelism())): Promise<PixelPool> {
    const url = new URL('./pixel-worker.js', import.meta.url);
    const claims = BandClaims.create(SLOTS);
    const workers = Array.from(
      { length: Math.max(1, size) },
      () => new Worker(url, { workerData: { claims: claims.cells } }),
    );
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
    return new PixelPool(workers, claims, simd.every(Boolean));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs `kernel` over rows [0, rows) in bands the workers share out; resolves when every band is written. */
  async run<K extends keyof KernelJobs>(kernel: K, job: KernelJobs[K], rows: number): Promise<void> {
    await this.post(kernel, job, rows);
  }

  /**
   * The shrink of a frame, then the segmentation step in the worker that wrote its last band (see
   * pool-segment.ts). `onStarted` runs on this thread once the gate has let the model run.
   */
  async shrinkAndSegment(
    shrinks: AreaJobs,
    rows: number,
    step: SegmentStep,
    onStarted?: () => void,
  ): Promise<SegmentResult> {
    if (!this.segmenters.has(step.key))
      throw new Error(`segmentation model '${step.key}' is not loaded in the pixel pool`);
    return (await this.post('areas', shrinks, rows, step, onStarted)) as SegmentResult;
  }

  /** Opens a segmentation model in every worker (CPU), for shrinkAndSegment. */
  async loadSegmenter(load: SegmenterLoad): Promise<void> {
    if (this.segmenters.has(load.key)) return;
    await this.control('load-segmenter', load);
    this.segmenters.add(load.key);
  }

  hasSegmenter(key: string): boolean {
    return this.segmenters.has(key);
  }

  private async post(
    kernel: keyof KernelJobs,
    job: unknown,
    rows: number,
    then?: SegmentStep,
    onStarted?: () => void,
  ): Promise<unknown> {
    if (this.broken) throw this.broken;
    if (this.disposed) throw new Error('pixel pool disposed');
    const slot = await this.takeSlot();
    this.tag = nextTag(this.tag);
    this.claims.open(slot, this.tag);
    const id = this.nextId++;
    const request = {
      id,
      kernel,
      job,
      rows,
      bands: bandCount(rows, this.workers.length),
      slot,
      tag: this.tag,
      then,
    };
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot, onStarted });
      for (const worker of this.workers) worker.postMessage(request);
    });
  }

  /** One control request to every worker, answered by each (any error rejects). */
  private async control(op: 'load-segmenter', load: SegmenterLoad): Promise<void> {
    if (this.broken) throw this.broken;
    if (this.disposed) throw new Error('pixel pool disposed');
    const control = this.nextControl++;
    const answers = new Promise<WorkerMessage[]>((done) => this.controls.set(control, { answers: [], done }));
    for (const worker of this.workers) worker.postMessage({ op, control, load });
    const failed = (await answers).find((a) => a.error !== undefined);
    if (failed) throw new Error(`pixel worker: ${failed.error}`);
  }

  /**
   * Jobs already in the workers finish (their answers still arrive); none start. Each worker closes
   * its ORT sessions after its loads and runs in flight and ends by itself: terminating a thread
   * inside an ORT call aborts the whole process (core/worker-exit.ts).
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.segmenters.clear();
    const disposed = new Error('pixel pool disposed');
    for (const waiter of this.slotWaiters.splice(0)) waiter.reject(disposed);
    await Promise.all(
      this.workers.map((worker) => endWorker(worker, () => worker.postMessage({ op: 'close' }))),
    );
    this.fail(disposed);
  }

  private onMessage(message: WorkerMessage): void {
    if (message.control !== undefined) {
      const waiting = this.controls.get(message.control);
      waiting?.answers.push(message);
      if (waiting && waiting.answers.length === this.workers.length) {
        this.controls.delete(message.control);
        waiting.done(waiting.answers);
      }
      return;
    }
    if (message.id === undefined) return;
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    if (message.started) {
      waiting.onStarted?.();
      return;
    }
    if (message.error !== undefined) {
      waiting.error ??= message.error;
      if (waiting.failedAtDone) this.settle(message.id, waiting);
      return;
    }
    if (!message.done) return;
    waiting.result = message.result;
    this.releaseSlot(waiting.slot);
    if (message.failed && waiting.error === undefined) waiting.failedAtDone = true;
    else this.settle(message.id, waiting);
  }

  private settle(id: number, waiting: Pending): void {
    this.pending.delete(id);
    if (waiting.error !== undefined) waiting.reject(new Error(`pixel worker: ${waiting.error}`));
    else waiting.resolve(waiting.result);
  }

  private takeSlot(): Promise<number> {
    const slot = this.freeSlots.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise<number>((resolve, reject) => this.slotWaiters.push({ resolve, reject }));
  }

  private releaseSlot(slot: number): void {
    const waiter = this.slotWaiters.shift();
    if (waiter) waiter.resolve(slot);
    else this.freeSlots.push(slot);
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    for (const waiter of this.slotWaiters.splice(0)) waiter.reject(error);
    for (const { done } of this.controls.values()) done([{ error: error.message }]);
    this.controls.clear();
  }
}
