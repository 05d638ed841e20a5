import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/core/errors.ts';
import { createLogger } from '../../src/core/log.ts';
import { sharedFloat32 } from '../../src/core/shared-memory.ts';
import { autoProviders, DEVICE_PROVIDERS } from '../../src/inference/ort-adapter.ts';
import { createSession, type ModelSession, type TensorData } from '../../src/inference/runtime.ts';
import { SessionPool } from '../../src/inference/session-pool.ts';
import { dimsMatch, zeroFeeds } from '../../src/inference/tensor-check.ts';
import { liveSessionThreads } from '../../src/inference/threads.ts';
import { model } from '../helpers/shared.ts';

// Real ONNX Runtime sessions on the real models (ORT on CPU here).
const SELFIE_ONNX = model('mediapipe-selfie-segmentation', 'selfie_segmentation.onnx');
const SINET = model('sinet', 'SINet_Softmax_simple.onnx');

function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ level: 'info', destination }), lines };
}

const opened: ModelSession[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.release()));
});

/** A smooth RGB gradient in [0,1], NHWC. */
function gradient(h: number, w: number): TensorData {
  const data = new Float32Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    data[i * 3] = (i % w) / w;
    data[i * 3 + 1] = Math.floor(i / w) / h;
    data[i * 3 + 2] = 0.5;
  }
  return { data, dims: [1, h, w, 3] };
}

const maxDifference = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('runtime', () => {
  it('runs a real model on a worker thread and on the caller thread with the same result', async () => {
    const { log, lines } = capturedLogger();
    const worker = await createSession(SELFIE_ONNX, { threads: 1, log, label: 'selfie-onnx' });
    opened.push(worker);
    const inline = await createSession(readFileSync(SELFIE_ONNX), { threads: 1, isolation: 'inline' });
    opened.push(inline);
    expect(worker.inputNames).toEqual(['input_1:0']);
    expect(worker.inputs[0].dims).toEqual([1, 256, 256, 3]);
    expect(worker.provider).toBe('cpu');
    expect(lines).toEqual([expect.stringMatching(/^info +selfie-onnx: device 'auto' -> running on cpu/)]);
    const feeds = { 'input_1:0': gradient(256, 256) };
    const a = await worker.run(feeds);
    const b = await inline.run(feeds);
    expect(a.activation_10.dims).toEqual([1, 256, 256, 1]);
    expect(a.activation_10.data).toEqual(b.activation_10.data);
    const probs = a.activation_10.data;
    expect(Math.min(...probs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...probs)).toBeLessThanOrEqual(1);
    // The caller's input buffer is copied, not detached.
    expect(feeds['input_1:0'].data.length).toBe(256 * 256 * 3);
  });

  it('takes feeds on shared memory and writes outputs into given shared arrays (no per-run allocation)', async () => {
    const plain = gradient(256, 256);
    const sharedInput = sharedFloat32(plain.data.length);
    for (const isolation of ['worker', 'inline'] as const) {
      sharedInput.set(plain.data);
      const session = await createSession(SELFIE_ONNX, { threads: 1, isolation });
      opened.push(session);
      const reference = (await session.run({ 'input_1:0': plain })).activation_10.data;
      const into = { activation_10: sharedFloat32(256 * 256) };
      const first = await session.run({ 'input_1:0': { data: sharedInput, dims: plain.dims } }, into);
      expect(first.activation_10.data).toBe(into.activation_10);
      expect(first.activation_10.data).toEqual(reference);
      // A second run on other pixels rewrites the same array.
      sharedInput.fill(0.25);
      const second = await session.run({ 'input_1:0': { data: sharedInput, dims: plain.dims } }, into);
      expect(second.activation_10.data).toBe(into.activation_10);
      expect(maxDifference(second.activation_10.data, reference)).toBeGreaterThan(0.01);
      // An array of another size is left alone: the output comes back fresh.
      const wrong = { activation_10: sharedFloat32(10) };
      const fresh = await session.run({ 'input_1:0': plain }, wrong);
      expect(fresh.activation_10.data).not.toBe(wrong.activation_10);
      expect(fresh.activation_10.data).toEqual(reference);
    }
  });

  it('falls back to CPU with exactly one log line naming what was asked and what runs', async () => {
    for (const device of ['cuda', 'dml'] as const) {
      const { log, lines } = capturedLogger();
      const session = await createSession(SELFIE_ONNX, { device, log, label: 'selfie-onnx', warmup: false });
      opened.push(session);
      expect(session.provider).toBe('cpu');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^warn +selfie-onnx: device '${device}' asked but unavailable, running on cpu \\(${device}: `,
        ),
      );
    }
  });

  it('rejects feeds that do not fit the session with a clear error', async () => {
    const session = await createSession(SELFIE_ONNX, { threads: 1, warmup: false, label: 'selfie-onnx' });
    opened.push(session);
    const wrong = async (feeds: Record<string, TensorData>) => {
      const error = await session.run(feeds).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StylecastError);
      expect((error as StylecastError).key).toBe('MODEL_SHAPE');
      return (error as StylecastError).message;
    };
    const nchw = { data: new Float32Array(3 * 256 * 256), dims: [1, 3, 256, 256] };
    expect(await wrong({ 'input_1:0': nchw })).toBe(
      "selfie-onnx: input 'input_1:0' expects [1,256,256,3], got [1,3,256,256]",
    );
    expect(await wrong({ image: gradient(256, 256) })).toMatch(/unknown input 'image' \(inputs: input_1:0\)/);
    expect(await wrong({})).toMatch(/missing input 'input_1:0'/);
    const short = { data: new Float32Array(10), dims: [1, 256, 256, 3] };
    expect(await wrong({ 'input_1:0': short })).toMatch(/has 10 values but dims \[1,256,256,3\] need 196608/);
    // The session still works after bad calls.
    const ok = await session.run({ 'input_1:0': gradient(256, 256) });
    expect(ok.activation_10.dims).toEqual([1, 256, 256, 1]);
  });

  it('names the model when ONNX Runtime cannot load it', async () => {
    const bytes = readFileSync(SELFIE_ONNX).subarray(0, 5000);
    const error = await createSession(bytes, { label: 'broken.onnx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StylecastError);
    expect((error as StylecastError).key).toBe('MODEL_CORRUPT');
    expect((error as StylecastError).message).toMatch(/^broken\.onnx cannot be loaded by ONNX Runtime: /);
  });

  it('keeps the event loop free while a model runs (ORT blocks the thread it runs on)', async () => {
    const feeds = { data: { data: new Float32Array(3 * 320 * 320).fill(0.1), dims: [1, 3, 320, 320] } };
    const measure = async (session: ModelSession) => {
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const started = performance.now();
      for (let i = 0; i < 4; i++) await session.run(feeds);
      const perRun = (performance.now() - started) / 4;
      delay.disable();
      return { perRun, maxDelay: delay.max / 1e6, p50: delay.percentile(50) / 1e6 };
    };
    const inline = await createSession(SINET, { threads: 1, isolation: 'inline' });
    opened.push(inline);
    const worker = await createSession(SINET, { threads: 1 });
    opened.push(worker);
    const blocked = await measure(inline);
    const free = await measure(worker);
    // Inline: the loop stalls for a run (SINet: >= 15 ms on one thread). Worker: timers keep firing.
    // Bounds are loose because these machines are shared: wall times here swing 5x under load.
    expect(blocked.maxDelay).toBeGreaterThan(10);
    expect(blocked.maxDelay).toBeGreaterThan(blocked.perRun * 0.3);
    expect(free.p50).toBeLessThan(Math.max(3, blocked.maxDelay / 4));
  });

  it('pools sessions by model, device and threads, and closes idle ones beyond the limit', async () => {
    const pool = new SessionPool({ threads: 1, warmup: false }, 1);
    try {
      const a = await pool.acquire(SELFIE_ONNX);
      const b = await pool.acquire(readFileSync(SELFIE_ONNX).subarray(0)); // bytes: another key
      const c = await pool.acquire(SELFIE_ONNX);
      expect(pool.size).toBe(2);
      await a.release();
      expect(c.inputNames).toBe(a.inputNames); // one underlying session (each load makes its own arrays)
      expect(b.inputNames).not.toBe(a.inputNames);
      const again = await pool.acquire(SELFIE_ONNX);
      expect(again.inputNames).toBe(c.inputNames); // no reload
      const other = await pool.acquire(SELFIE_ONNX, { threads: 2 });
      expect(pool.size).toBe(3);
      for (const s of [b, c, again, other]) await s.release();
      expect(pool.size).toBe(1); // maxIdle = 1
      const out = await (await pool.acquire(SELFIE_ONNX, { threads: 2 })).run({
        'input_1:0': gradient(256, 256),
      });
      expect(out.activation_10.dims).toEqual([1, 256, 256, 1]);
    } finally {
      await pool.close();
    }
    expect(pool.size).toBe(0);
  });
});

describe('device table (pure)', () => {
  it("'auto' tries DirectML on Windows, CoreML on macOS, and on Linux CUDA only when its libraries exist", () => {
    expect(autoProviders('win32')).toEqual(['dml']);
    expect(autoProviders('darwin')).toEqual(['coreml']);
    // This machine's onnxruntime-node was installed with ONNXRUNTIME_NODE_INSTALL=skip: no CUDA libraries.
    expect(autoProviders('linux')).toEqual([]);
    expect(DEVICE_PROVIDERS.tensorrt).toEqual(['tensorrt', 'cuda']);
  });
});

describe('tensor checks (pure)', () => {
  it('matches fixed dims exactly and symbolic or negative dims loosely', () => {
    expect(dimsMatch([1, 256, 256, 3], [1, 256, 256, 3])).toBe(true);
    expect(dimsMatch([1, 256, 256, 3], [1, 3, 256, 256])).toBe(false);
    expect(dimsMatch(['batch', 'h', 'w', 3], [2, 100, 80, 3])).toBe(true);
    expect(dimsMatch([1, -1, -1, 3], [1, 7, 9, 4])).toBe(false);
    expect(dimsMatch([1, 256, 256], [1, 256, 256, 1])).toBe(false);
    expect(dimsMatch([], [5, 5])).toBe(true);
  });

  it('builds zero feeds for warm-up only when every dim is known', () => {
    const feeds = zeroFeeds([
      { name: 'a', type: 'float32', dims: [1, 2, 3] },
      { name: 'b', type: 'float32', dims: [1, 100] },
    ]);
    expect(feeds?.a.data).toEqual(new Float32Array(6));
    expect(feeds?.b.dims).toEqual([1, 100]);
    expect(zeroFeeds([{ name: 'a', type: 'float32', dims: [1, 'h', 'w', 3] }])).toBeUndefined();
    expect(zeroFeeds([{ name: 'a', type: 'int64', dims: [1] }])).toBeUndefined();
  });
});

describe('liveSessionThreads', () => {
  it('keeps a configured count and otherwise gives a quarter of the cores, at least one', () => {
    expect(liveSessionThreads(3, 2)).toBe(3);
    expect(liveSessionThreads(0, 2)).toBe(1);
    expect(liveSessionThreads(0, 1)).toBe(1);
    expect(liveSessionThreads(0, 8)).toBe(2);
    expect(liveSessionThreads(0, 16)).toBe(4);
  });
});
