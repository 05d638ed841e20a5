import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { DeviceName } from '../../config/schema.ts';
import { loadPixelSimd } from '../../core/simd/pixel-simd.ts';
import { createSession } from '../runtime.ts';
import { lowerThreadPriority } from '../thread-priority.ts';
import { resizeRgba } from './preprocess.ts';
import { StylizeCancelled, Stylizer } from './stylizer.ts';

/**
 * The stylizer's worker thread: owns both ORT sessions and all the pixel work of a stylization
 * (tile resampling, seam blending, resize back to frame size), so the frame path never waits on it.
 * ORT's run blocks the thread it is called on; here that thread is this one.
 */

export interface WorkerInit {
  predict: Uint8Array;
  transform: Uint8Array;
  threads: number;
  device: DeviceName;
  /** Cancellation generation, bumped by the main thread; a job posted under an older one is dropped. */
  generation: Int32Array;
}

export type WorkerRequest =
  | { id: number; kind: 'predict'; rgba: Uint8Array; width: number; height: number }
  | {
      id: number;
      kind: 'stylize';
      rgba: Uint8Array;
      width: number;
      height: number;
      bottleneck: Float32Array;
      generation: number;
      detail: number;
      single: boolean;
      /** Resize the result to this size (0 = keep the work resolution). */
      outWidth: number;
      outHeight: number;
    }
  /** Reopen the transform session with this many intra-op threads. */
  | { id: number; kind: 'threads'; threads: number }
  | { id: number; kind: 'stop' };

export type WorkerReply =
  | { id: number; kind: 'ready'; provider: string; lowPriority: boolean }
  | { id: number; kind: 'predict'; bottleneck: Float32Array; ms: number }
  | { id: number; kind: 'threads'; threads: number; ms: number }
  | {
      id: number;
      kind: 'stylize';
      rgba: Uint8Array;
      width: number;
      height: number;
      ms: number;
      tiles: number;
    }
  | { id: number; kind: 'error'; message: string; cancelled?: boolean };

if (!parentPort) throw new Error('stylizer worker started outside a worker thread');
const port: MessagePort = parentPort;
const init = workerData as WorkerInit;

// Inline: this thread is already off the main thread. No spinning: ORT's idle threads would burn the
// CPU that capture, segmentation and encoding share with us between stylizations.
// Before the sessions exist, so ORT's own threads inherit the lower priority.
const lowPriority = lowerThreadPriority();
const simd = loadPixelSimd();
const options = { threads: init.threads, device: init.device, isolation: 'inline', spinning: false } as const;
const predictSession = await createSession(init.predict, { ...options, label: 'style-predict' });
const transformSession = await createSession(init.transform, { ...options, label: 'style-transform' });
const stylizer = new Stylizer(predictSession, transformSession);
port.postMessage({
  id: 0,
  kind: 'ready',
  provider: transformSession.provider,
  lowPriority,
} satisfies WorkerReply);

// One job at a time, in order: an awaited ORT run yields to the event loop, and the next message must
// not start (and overwrite the shared tile buffer) before this one is done.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: WorkerRequest): Promise<void> {
  const started = performance.now();
  try {
    if (request.kind === 'stop') {
      await stylizer.release();
      port.close(); // nothing else keeps this thread alive: it exits
      return;
    }
    if (request.kind === 'threads') {
      const session = await createSession(init.transform, {
        ...options,
        threads: request.threads,
        label: 'style-transform',
      });
      await stylizer.replaceTransform(session);
      port.postMessage({
        id: request.id,
        kind: 'threads',
        threads: request.threads,
        ms: performance.now() - started,
      } satisfies WorkerReply);
      return;
    }
    if (request.kind === 'predict') {
      const bottleneck = await stylizer.predict(request.rgba, request.width, request.height);
      const reply: WorkerReply = {
        id: request.id,
        kind: 'predict',
        bottleneck,
        ms: performance.now() - started,
      };
      port.postMessage(reply, [bottleneck.buffer as ArrayBuffer]);
      return;
    }
    const stale = () => Atomics.load(init.generation, 0) !== request.generation;
    if (stale()) throw new StylizeCancelled();
    const result = await stylizer.stylizeFrame(
      request.rgba,
      request.width,
      request.height,
      request.bottleneck,
      {
        detail: request.detail,
        single: request.single,
        shouldStop: stale,
      },
    );
    // A style change during a one-transform painting: not worth resizing or sending back.
    if (stale()) throw new StylizeCancelled();
    let { rgba, width, height } = result;
    if (request.outWidth > 0 && (request.outWidth !== width || request.outHeight !== height)) {
      // Into shared memory: the compositor's workers read it as it is, no copy on the main thread.
      const shared = new Uint8Array(new SharedArrayBuffer(request.outWidth * request.outHeight * 4));
      rgba = resizeRgba(rgba, width, height, request.outWidth, request.outHeight, shared, simd);
      width = request.outWidth;
      height = request.outHeight;
    }
    const reply: WorkerReply = {
      id: request.id,
      kind: 'stylize',
      rgba,
      width,
      height,
      tiles: result.tiles,
      ms: performance.now() - started,
    };
    // A shared result travels as it is; a work-size one is moved (transferred), not copied.
    port.postMessage(reply, rgba.buffer instanceof SharedArrayBuffer ? [] : [rgba.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({
      id: request.id,
      kind: 'error',
      message: error instanceof Error ? error.message : String(error),
      cancelled: error instanceof StylizeCancelled,
    } satisfies WorkerReply);
  }
}
