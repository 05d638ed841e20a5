import { parentPort, workerData } from 'node:worker_threads';
import type { DeviceName } from '../../config/schema.ts';
import { createSession } from '../runtime.ts';
import { resizeRgba } from './preprocess.ts';
import { Stylizer } from './stylizer.ts';

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
      detail: number;
      single: boolean;
      /** Resize the result to this size (0 = keep the work resolution). */
      outWidth: number;
      outHeight: number;
    }
  | { id: number; kind: 'stop' };

export type WorkerReply =
  | { id: number; kind: 'ready'; provider: string }
  | { id: number; kind: 'predict'; bottleneck: Float32Array; ms: number }
  | { id: number; kind: 'stylize'; rgba: Uint8Array; width: number; height: number; ms: number; tiles: number }
  | { id: number; kind: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('stylizer worker started outside a worker thread');
const init = workerData as WorkerInit;

// Inline: this thread is already off the main thread. No spinning: ORT's idle threads would burn the
// CPU that capture, segmentation and encoding share with us between stylizations.
const options = { threads: init.threads, device: init.device, isolation: 'inline', spinning: false } as const;
const predictSession = await createSession(init.predict, { ...options, label: 'style-predict' });
const transformSession = await createSession(init.transform, { ...options, label: 'style-transform' });
const stylizer = new Stylizer(predictSession, transformSession);
port.postMessage({ id: 0, kind: 'ready', provider: transformSession.provider } satisfies WorkerReply);

port.on('message', async (request: WorkerRequest) => {
  const started = performance.now();
  try {
    if (request.kind === 'stop') {
      await stylizer.release();
      port.close();
      return;
    }
    if (request.kind === 'predict') {
      const bottleneck = await stylizer.predict(request.rgba, request.width, request.height);
      const reply: WorkerReply = { id: request.id, kind: 'predict', bottleneck, ms: performance.now() - started };
      port.postMessage(reply, [bottleneck.buffer as ArrayBuffer]);
      return;
    }
    const result = await stylizer.stylizeFrame(request.rgba, request.width, request.height, request.bottleneck, {
      detail: request.detail,
      single: request.single,
    });
    let { rgba, width, height } = result;
    if (request.outWidth > 0 && (request.outWidth !== width || request.outHeight !== height)) {
      rgba = resizeRgba(rgba, width, height, request.outWidth, request.outHeight);
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
    port.postMessage(reply, [rgba.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({
      id: request.id,
      kind: 'error',
      message: error instanceof Error ? error.message : String(error),
    } satisfies WorkerReply);
  }
});
