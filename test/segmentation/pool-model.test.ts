import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { MaskSettings } from '../../src/config/schema.ts';
import { silentLogger } from '../../src/core/log.ts';
import { loadOnnx } from '../../src/inference/registry/index.ts';
import { SEGMENTERS } from '../../src/inference/segmenters/specs.ts';
import { PersonPipeline } from '../../src/pipeline/composite/person-pipeline.ts';
import { PixelPool } from '../../src/pipeline/composite/pool.ts';
import { MODELS_DIR, media } from '../helpers/shared.ts';
import { collectFrames } from './decode.ts';

const maxDifference = (a: Float32Array, b: Float32Array) => {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
};

describe('the segmentation model in the pixel workers (CPU)', () => {
  it('gives the same per-frame estimate as the model on its own session, for every model', async () => {
    // 16:9 from a square clip: selfie stretches it, DeepLab and SINet letterbox it.
    const frames = await collectFrames(media('video', 'woman_plain_backdrop_720x720.mp4'), {
      width: 640,
      height: 360,
      maxFrames: 2,
    });
    const mask = MaskSettings.parse({ skipSimilarFrames: false });
    for (const model of Object.keys(SEGMENTERS)) {
      const base = { model, mask, modelsDir: MODELS_DIR, workers: 2 };
      const pooled = await PersonPipeline.create({ ...base, modelInPool: true });
      const alone = await PersonPipeline.create({ ...base, modelInPool: false });
      try {
        for (const frame of frames) {
          const a = await pooled.masker.estimate(frame);
          const probability = a.probability.slice();
          const guide = a.guide.slice();
          const b = await alone.masker.estimate(frame);
          expect(maxDifference(probability, b.probability), model).toBeLessThan(1e-5);
          expect(maxDifference(guide, b.guide), model).toBe(0);
          // Not a constant plane: the person is found.
          expect(Math.max(...probability) - Math.min(...probability), model).toBeGreaterThan(0.5);
        }
        expect(pooled.stats(), model).toMatchObject({
          modelRunsIn: 'pixel workers',
          framesMasked: 2,
          inferences: 2,
        });
        expect(alone.stats(), model).toMatchObject({ modelRunsIn: 'its own thread', inferences: 2 });
      } finally {
        await Promise.all([pooled.dispose(), alone.dispose()]);
      }
    }
  });

  it('a pipeline whose workers cannot open the model warns once and runs it on its own thread', async () => {
    const warnings: string[] = [];
    const log = { ...silentLogger(), warn: (message: string) => warnings.push(message) };
    const load = vi
      .spyOn(PixelPool.prototype, 'loadSegmenter')
      .mockRejectedValueOnce(new Error('pixel worker: no memory for the session'));
    const people = await PersonPipeline.create({
      model: 'selfie',
      mask: MaskSettings.parse({}),
      modelsDir: MODELS_DIR,
      workers: 2,
      log,
    });
    load.mockRestore();
    try {
      expect(warnings).toEqual([
        'segmentation: the model could not open in the pixel workers (pixel worker: no memory for the session); it runs on its own thread',
      ]);
      const [frame] = await collectFrames(media('video', 'woman_plain_backdrop_720x720.mp4'), {
        width: 320,
        height: 180,
        maxFrames: 1,
      });
      expect((await people.mask(frame)).skipped).toBe(false);
      expect(people.stats()).toMatchObject({ modelRunsIn: 'its own thread', inferences: 1 });
    } finally {
      await people.dispose();
    }
  });

  it('disposed while frames are on their way, the pool closes its sessions before its workers end', async () => {
    const [frame] = await collectFrames(media('video', 'woman_plain_backdrop_720x720.mp4'), {
      width: 640,
      height: 360,
      maxFrames: 1,
    });
    for (let round = 0; round < 3; round++) {
      const people = await PersonPipeline.create({
        model: 'selfie',
        mask: MaskSettings.parse({ skipSimilarFrames: false }),
        modelsDir: MODELS_DIR,
        workers: 2,
      });
      const workers = (people as unknown as { pool: { workers: Worker[] } }).pool.workers;
      const sent = workers.map((worker) => vi.spyOn(worker, 'postMessage'));
      const exitCodes = workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
      // Frames in flight (shrink or model) when dispose comes, at a different moment each round.
      const frames = [0, 1, 2].map(() =>
        people.mask({ ...frame, data: frame.data.slice() }).then(
          () => 'done',
          (error: Error) => error.message,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, round * 3));
      await people.dispose();
      for (const spy of sent)
        expect(spy.mock.calls.some(([message]) => (message as { op?: string }).op === 'close')).toBe(true);
      // Code 0: each thread ended by itself after closing its sessions (terminate() gives 1).
      expect(await Promise.all(exitCodes)).toEqual([0, 0]);
      for (const outcome of await Promise.all(frames)) expect(outcome).toMatch(/^done$|pixel pool disposed/);
    }
  });

  it('disposed while the workers are still opening the model, the pool waits for the loads before they end', async () => {
    const { onnx } = await loadOnnx('selfie', { modelsDir: MODELS_DIR });
    const model = typeof onnx === 'string' ? readFileSync(onnx) : onnx;
    for (const delayMs of [0, 5, 30]) {
      const pool = await PixelPool.create(2);
      const workers = (pool as unknown as { workers: Worker[] }).workers;
      const exitCodes = workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
      const loading = pool
        .loadSegmenter({ key: 'selfie', spec: 'selfie', threads: 1, label: 'selfie', model })
        .then(
          () => 'loaded',
          (error: Error) => error.message,
        );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      // Terminating a thread inside ORT's session creation would abort this whole test process.
      await pool.dispose();
      expect(await Promise.all(exitCodes)).toEqual([0, 0]);
      expect(await loading).toMatch(/^loaded$|pixel pool disposed/);
    }
  });

  it('a model the workers cannot open is a one-line error, and the pool keeps working', async () => {
    const pool = await PixelPool.create(2);
    try {
      const load = { key: 'selfie', spec: 'selfie', threads: 1, label: "segmentation model 'selfie'" };
      await expect(pool.loadSegmenter({ ...load, model: new Uint8Array([1, 2, 3]) })).rejects.toThrow(
        /^pixel worker: [^\n]+$/,
      );
      expect(pool.hasSegmenter('selfie')).toBe(false);
      await expect(
        pool.loadSegmenter({ ...load, spec: 'no-such-model', model: new Uint8Array() }),
      ).rejects.toThrow(/unknown segmentation model 'no-such-model'/);
      const { onnx } = await loadOnnx('selfie', { modelsDir: MODELS_DIR });
      await pool.loadSegmenter({ ...load, model: typeof onnx === 'string' ? readFileSync(onnx) : onnx });
      expect(pool.hasSegmenter('selfie')).toBe(true);
    } finally {
      await pool.dispose();
    }
  });
});
