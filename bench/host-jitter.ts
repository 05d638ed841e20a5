import { Worker } from 'node:worker_threads';
import { RollingWindow } from '../src/core/stats.ts';

/**
 * The host's own jitter, as the reference for a live p95: the same fixed work every tick (passes over
 * a frame-sized buffer, reading and writing it), paced at 30 Hz like camera frames, timed the way the
 * scheduler times a frame (p50/p95 over the same rolling window). On a quiet dedicated core its p95
 * would be its p50; what it adds is time the machine took (other tenants' VMs, the hypervisor), which every frame
 * of the pipeline pays as well. Two variants: one thread, and the work split over two worker threads
 * that the tick waits for (a frame's pixel jobs are split and joined the same way).
 */

const FRAME_BYTES = 1280 * 720 * 4;
const TICK_MS = 1000 / 30;

// One pass: a dependent chain over every byte, so it neither vectorises away nor changes per tick.
// Kept as source text so the worker threads run exactly the same code.
const PASS_SOURCE = `function pass(bytes, from, to) {
  let acc = 7;
  for (let i = from; i < to; i++) {
    acc = (acc * 31 + bytes[i]) | 0;
    bytes[i] = acc & 255;
  }
  return acc;
}`;
const pass = new Function(`return ${PASS_SOURCE}`)() as (
  bytes: Uint8Array,
  from: number,
  to: number,
) => number;

// A worker does its half of the passes for each message and answers, the way the pixel pool's do.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const pass = ${PASS_SOURCE};
const data = new Uint8Array(workerData.bytes);
const half = data.length >> 1;
const from = workerData.index * half;
parentPort.on('message', (passes) => {
  for (let p = 0; p < passes; p++) pass(data, from, from + half);
  parentPort.postMessage(passes);
});
`;

export type JitterResult = {
  reference: string;
  'p50 ms': number;
  'p95 ms': number;
  'p95 - p50 ms': number;
};

/** One row of the reference table: a median, a p95 and the spread between them. */
export const jitterRow = (reference: string, p50: number, p95: number): JitterResult => ({
  reference,
  'p50 ms': p50,
  'p95 ms': p95,
  'p95 - p50 ms': p95 - p50,
});

interface FixedWork {
  /** Runs `passes` passes over the buffer; resolves when done. */
  run(passes: number): Promise<void>;
  close(): Promise<void>;
}

function oneThread(): FixedWork {
  const bytes = new Uint8Array(FRAME_BYTES);
  return {
    async run(passes) {
      for (let p = 0; p < passes; p++) pass(bytes, 0, bytes.length);
    },
    async close() {},
  };
}

function twoThreads(): FixedWork {
  const bytes = new SharedArrayBuffer(FRAME_BYTES);
  const workers = [0, 1].map(
    (index) => new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes, index } }),
  );
  return {
    async run(passes) {
      await Promise.all(
        workers.map((worker) => {
          const done = new Promise((resolve) => worker.once('message', resolve));
          worker.postMessage(passes);
          return done;
        }),
      );
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

const timed = async (work: FixedWork, passes: number): Promise<number> => {
  const start = performance.now();
  await work.run(passes);
  return performance.now() - start;
};

/** Times `passes` passes every 1/30 s for `seconds`, into a window like the scheduler's. */
async function paced(work: FixedWork, passes: number, seconds: number): Promise<RollingWindow> {
  const window = new RollingWindow(); // the scheduler's window size
  const end = performance.now() + seconds * 1000;
  let next = performance.now();
  while (performance.now() < end) {
    next += TICK_MS;
    window.push(await timed(work, passes));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  return window;
}

/**
 * Passes per tick for a median of about `targetMs`: estimated from back-to-back runs, then corrected
 * from a second of paced ones (paced runs differ: compiled code and caches settle differently).
 */
async function calibrate(work: FixedWork, targetMs: number): Promise<number> {
  const perPass = (await paced(work, 4, 0.5)).percentile(0.5) / 4;
  const estimate = Math.max(1, Math.round(targetMs / perPass));
  return Math.max(1, Math.round((estimate * targetMs) / (await paced(work, estimate, 1)).percentile(0.5)));
}

async function measure(
  name: string,
  work: FixedWork,
  targetMs: number,
  seconds: number,
): Promise<JitterResult> {
  try {
    const window = await paced(work, await calibrate(work, targetMs), seconds);
    return jitterRow(name, window.percentile(0.5), window.percentile(0.95));
  } finally {
    await work.close();
  }
}

/** Both references, each calibrated to a median of `targetMs` and run for `seconds`. */
export async function hostJitter(targetMs: number, seconds: number): Promise<JitterResult[]> {
  return [
    await measure('fixed work at 30 Hz, one thread', oneThread(), targetMs, seconds),
    await measure('fixed work at 30 Hz, split over two worker threads', twoThreads(), targetMs, seconds),
  ];
}
