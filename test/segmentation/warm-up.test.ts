import { describe, expect, it, vi } from 'vitest';
import { MaskSettings } from '../../src/config/schema.ts';
import { PersonPipeline } from '../../src/pipeline/composite/person-pipeline.ts';
import { PixelPool } from '../../src/pipeline/composite/pool.ts';
import { MODELS_DIR, media } from '../helpers/shared.ts';
import { collectFrames } from './decode.ts';

describe('warm-up of a live person pipeline', () => {
  it('runs before create() returns and leaves no trace: clean stats, the same first mask and output as a cold pipeline', async () => {
    const [frame] = await collectFrames(media('video', 'woman_plain_backdrop_720x720.mp4'), {
      width: 640,
      height: 360,
      maxFrames: 1,
    });
    const mask = MaskSettings.parse({});
    const base = { model: 'selfie', mask, modelsDir: MODELS_DIR, workers: 2 };
    const jobs = vi.spyOn(PixelPool.prototype, 'run');
    // On the CPU the shrink goes with the model run (one pool job): count it as the shrink kernel.
    const segments = vi.spyOn(PixelPool.prototype, 'shrinkAndSegment');
    const kernels = () => [
      ...jobs.mock.calls.map((call) => call[0]),
      ...segments.mock.calls.map(() => 'areas'),
    ];
    const cold = await PersonPipeline.create(base);
    const coldKernels = kernels();
    jobs.mockClear();
    segments.mockClear();
    const warm = await PersonPipeline.create({
      ...base,
      warmUp: { width: 640, height: 360, blurRadius: 16 },
    });
    const warmKernels = kernels();
    expect(segments).toHaveBeenCalled(); // the model ran in the pool's workers, warming them up too
    jobs.mockRestore();
    segments.mockRestore();
    try {
      // The pool's workers ran both kernels before the first frame (the point of it); a cold one did not.
      expect(coldKernels).toEqual([]);
      expect(warmKernels.filter((k) => k === 'composite').length).toBeGreaterThanOrEqual(8);
      expect(warmKernels).toContain('areas');
      expect(warm.stats()).toMatchObject({ framesMasked: 0, inferences: 0, skippedSimilar: 0 });
      expect(Number.isNaN(Number(warm.stats().compositeMsP50)) || warm.stats().compositeMsP50 === 0).toBe(
        true,
      );
      const results = [];
      for (const people of [cold, warm]) {
        const m = await people.mask(frame);
        const out = await people.composite(frame, m, {
          mode: 'blend',
          background: { kind: 'blur', radius: 16 },
        });
        results.push({ alpha: m.alpha.slice(), out: out.data, skipped: m.skipped });
      }
      // No temporal state carried over from the synthetic frames: the first mask is a first mask.
      expect(results[1].skipped).toBe(false);
      expect(results[1].alpha).toEqual(results[0].alpha);
      expect(Buffer.compare(results[1].out, results[0].out)).toBe(0);
      expect(warm.stats()).toMatchObject({ framesMasked: 1, inferences: 1 });
    } finally {
      await Promise.all([cold.dispose(), warm.dispose()]);
    }
  });
});
