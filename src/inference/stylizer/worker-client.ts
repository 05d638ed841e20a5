import { Worker } from 'node:worker_threads';
import type { DeviceName } from '../../config/schema.ts';
import { endWorker } from '../../core/worker-exit.ts';
import type { StyleModelBytes } from './models.ts';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker.ts';

/**
 * Main-thread handle on the stylizer worker. Every call returns a promise and never blocks; jobs run in
 * order on the worker. Buffers handed in are copied once (callers keep theirs); results are transferred.
 */

export interface StylizeJob {
  detail?: number;
  single?: boolean;
  outWidth?: number;
  outHeight?: number;
}

export interface StylizeResult {
  rgba: Uint8Array;
  width: number;
  height: number;
  ms: number;
  tiles: number;
}

/** A stylization dropped because cancel() was called while it waited or ran. */
export class StylizeCancelledError extends Error {
  readonly cancelled = true;
}

type Pending = { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void };

/** A worker that runs a .ts entry: tsx's loader is registered inside the thread before the import. */
function spawnTsWorker(entry: URL, workerData: unknown): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

export class StylizerWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;
  private exited = false;
  private transformThreads: number;
  provider = 'cpu';
  /** The worker runs below the frame path's priority (Linux; see thread-priority.ts). */
  lowPriority = false;

  private constructor(
    private readonly worker: Worker,
    private readonly generation: Int32Array,
    threads: number,
  ) {
    this.transformThreads = threads;
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      if (reply.kind === 'error')
        pending.reject(reply.cancelled ? new StylizeCancelledError(reply.message) : new Error(reply.message));
      else pending.resolve(reply);
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      this.exited = true;
      this.failAll(new Error('stylizer worker exited'));
    });
  }

  static async start(
    models: StyleModelBytes,
    options: { threads?: number; device?: DeviceName } = {},
  ): Promise<StylizerWorker> {
    const generation = new Int32Array(new SharedArrayBuffer(4));
    const init: WorkerInit = {
      predict: models.predict,
      transform: models.transform,
      threads: options.threads ?? 0,
      device: options.device ?? 'cpu',
      generation,
    };
    const worker = spawnTsWorker(new URL('./worker.ts', import.meta.url), init);
    const client = new StylizerWorker(worker, generation, init.threads);
    const ready = await new Promise<WorkerReply>((resolve, reject) => {
      client.pending.set(0, { resolve, reject });
    });
    if (ready.kind === 'ready') {
      client.provider = ready.provider;
      client.lowPriority = ready.lowPriority;
    }
    return client;
  }

  /** Drops every stylization queued or running (the running one stops after its current tile). */
  cancelStylizations(): void {
    Atomics.add(this.generation, 0, 1);
  }

  /** Jobs posted and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Reopens the transform session with `threads` intra-op threads (after the jobs already posted): the
   * style effects choose, e.g. all cores for style-frame, where no segmentation model shares them.
   */
  async setTransformThreads(threads: number): Promise<number> {
    if (threads === this.transformThreads) return threads;
    const reply = await this.send({ id: this.nextId++, kind: 'threads', threads }, []);
    if (reply.kind !== 'threads') throw new Error(`unexpected reply ${reply.kind}`);
    this.transformThreads = reply.threads; // only once the worker's session runs with them
    return reply.threads;
  }

  async predict(rgba: Uint8Array, width: number, height: number): Promise<Float32Array> {
    const copy = ownCopy(rgba);
    const reply = await this.send({ id: this.nextId++, kind: 'predict', rgba: copy, width, height }, [
      copy.buffer,
    ]);
    if (reply.kind !== 'predict') throw new Error(`unexpected reply ${reply.kind}`);
    return reply.bottleneck;
  }

  async stylize(
    rgba: Uint8Array,
    width: number,
    height: number,
    bottleneck: Float32Array,
    job: StylizeJob = {},
  ): Promise<StylizeResult> {
    const copy = ownCopy(rgba);
    const request: WorkerRequest = {
      id: this.nextId++,
      kind: 'stylize',
      rgba: copy,
      width,
      height,
      bottleneck: Float32Array.from(bottleneck),
      generation: Atomics.load(this.generation, 0),
      detail: job.detail ?? 1,
      single: job.single ?? false,
      outWidth: job.outWidth ?? 0,
      outHeight: job.outHeight ?? 0,
    };
    const reply = await this.send(request, [copy.buffer]);
    if (reply.kind !== 'stylize') throw new Error(`unexpected reply ${reply.kind}`);
    return { rgba: reply.rgba, width: reply.width, height: reply.height, ms: reply.ms, tiles: reply.tiles };
  }

  private send(request: WorkerRequest, transfer: ArrayBuffer[]): Promise<WorkerReply> {
    if (this.stopped) return Promise.reject(new Error('stylizer worker stopped'));
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.worker.postMessage(request, transfer);
    });
  }

  private failAll(error: Error): void {
    this.stopped = true;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  /**
   * Graceful: the worker finishes its current tile (or session load), releases its sessions and
   * exits; terminated only if it has not after a long wait (core/worker-exit.ts says why).
   */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.cancelStylizations();
    const stopping = endWorker(this.worker, () =>
      this.worker.postMessage({ id: this.nextId++, kind: 'stop' } satisfies WorkerRequest),
    );
    this.failAll(new StylizeCancelledError('stylizer worker stopped'));
    await stopping;
  }
}

/**
 * A copy on an ArrayBuffer of its own, safe to transfer. Not `rgba.slice()`: on a Node Buffer (capture
 * frames, sharp's output) slice() is a view of the same memory, and transferring it detached the
 * caller's frame ("Cannot perform Construct on a detached ArrayBuffer" when style-frame painted the
 * same camera frame twice).
 */
const ownCopy = (rgba: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(rgba);
