import { RollingWindow } from '../src/core/stats.ts';
import { loadOnnx, modelEntry } from '../src/inference/registry/index.ts';
import { createSession } from '../src/inference/runtime.ts';
import { openSegmenter } from '../src/inference/segmenters/index.ts';
import { liveSessionThreads } from '../src/inference/threads.ts';

/**
 * The segmentation model timed two ways, each back to back and paced at 30 Hz (a camera's rate),
 * alternating in blocks so all four see the same machine, with the live thread count and no spinning:
 * - the bare ONNX Runtime run on the calling thread (the floor);
 * - a Segmenter's call on its session's own thread (encode, the hop there and back, the run, the
 *   output): how the model runs on a GPU provider, and ran on the CPU before it moved into the pixel
 *   workers (there it costs encode + run, after the shrink, with no hop).
 * The gaps say what the hops and the pause between frames cost, apart from the pipeline.
 */

const TICK_MS = 1000 / 30;
const BLOCKS = 4;

export type PacingRow = {
  model: string;
  path: string;
  calls: string;
  runs: number;
  'p50 ms': number;
  'p95 ms': number;
};

type Call = () => Promise<unknown>;

export async function modelPacing(
  model: string,
  seconds: number,
  options: { modelsDir?: string; frameWidth?: number; frameHeight?: number } = {},
): Promise<PacingRow[]> {
  const threads = liveSessionThreads(0);
  const { onnx } = await loadOnnx(model, { modelsDir: options.modelsDir });
  const bare = await createSession(onnx, { threads, isolation: 'inline', spinning: false, label: model });
  const segmenter = await openSegmenter(model, { modelsDir: options.modelsDir, threads });
  try {
    const input = modelEntry(model).inputs[0];
    const size = input.dims.reduce((a, b) => a * b, 1);
    const feeds = { [bare.inputNames[0]]: { data: new Float32Array(size).fill(0.5), dims: input.dims } };
    const geometry = segmenter.geometry(options.frameWidth ?? 1280, options.frameHeight ?? 720);
    // A smooth gradient region, as the shrink would give for a plain scene.
    const region = new Float32Array(geometry.dst.width * geometry.dst.height * 3);
    for (let i = 0; i < region.length; i++) region[i] = (i * 7) % 256;
    const paths: [string, Call][] = [
      ['ORT run on the calling thread', () => bare.run(feeds)],
      ['on its own thread, with encode and the hops', () => segmenter.infer(region, geometry)],
    ];
    const rows: { path: string; calls: string; call: Call; paced: boolean; window: RollingWindow }[] = [];
    for (const [path, call] of paths) {
      for (let i = 0; i < 5; i++) await call(); // warm-up, not counted
      for (const paced of [false, true])
        rows.push({
          path,
          calls: paced ? 'paced at 30 Hz' : 'back to back',
          call,
          paced,
          window: new RollingWindow(100_000),
        });
    }
    const blockMs = (seconds * 1000) / (rows.length * BLOCKS);
    for (let block = 0; block < BLOCKS; block++)
      for (const row of rows) await timeBlock(row.call, row.paced, blockMs, row.window);
    return rows.map(({ path, calls, window }) => ({
      model,
      path,
      calls,
      runs: window.count,
      'p50 ms': window.percentile(0.5),
      'p95 ms': window.percentile(0.95),
    }));
  } finally {
    await Promise.allSettled([bare.release(), segmenter.release()]);
  }
}

/** Calls `call` for `ms`, back to back or one per 1/30 s tick, timing each call into `window`. */
async function timeBlock(call: Call, paced: boolean, ms: number, window: RollingWindow): Promise<void> {
  const end = performance.now() + ms;
  let next = performance.now();
  while (performance.now() < end) {
    const start = performance.now();
    await call();
    window.push(performance.now() - start);
    if (!paced) continue;
    next += TICK_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
}
