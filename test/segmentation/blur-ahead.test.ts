import { describe, expect, it } from 'vitest';
import { MaskSettings } from '../../src/config/schema.ts';
import { makeFrame } from '../../src/core/frame.ts';
import { Compositor } from '../../src/pipeline/composite/compositor.ts';
import { PersonPipeline } from '../../src/pipeline/composite/person-pipeline.ts';
import { PixelPool } from '../../src/pipeline/composite/pool.ts';
import { SharedPixels } from '../../src/pipeline/composite/shared-frame.ts';
import { MODELS_DIR, media } from '../helpers/shared.ts';
import { collectFrames } from './decode.ts';

/**
 * blur-background makes its blurred background while the model runs (from the previous frame's alpha
 * and the motion since), so after the mask only the blend is left.
 */
describe('the background blur made while the model runs', () => {
  it('is used from the second frame on, and a still picture gives the same output as blurring after the mask', async () => {
    const [frame] = await collectFrames(media('video', 'woman_plain_backdrop_720x720.mp4'), {
      width: 640,
      height: 360,
      maxFrames: 1,
    });
    const options = {
      model: 'selfie',
      mask: MaskSettings.parse({ skipSimilarFrames: false }),
      modelsDir: MODELS_DIR,
      workers: 2,
    };
    const background = { kind: 'blur' as const, radius: 16 };
    const [ahead, after] = await Promise.all([
      PersonPipeline.create(options),
      PersonPipeline.create(options),
    ]);
    try {
      for (let i = 0; i < 3; i++) {
        const outputs = [];
        for (const [people, told] of [
          [ahead, background],
          [after, undefined],
        ] as const) {
          const copy = { ...frame, data: frame.data.slice() };
          const mask = await people.mask(copy, told);
          outputs.push((await people.composite(copy, mask, { mode: 'blend', background })).data);
        }
        // The same picture again: no motion, the same alpha, so the same blur and the same output.
        expect(Buffer.compare(outputs[0], outputs[1])).toBe(0);
      }
      expect(ahead.stats().blursMadeAhead).toBe(2); // the first frame has no previous alpha
      expect(after.stats().blursMadeAhead).toBe(0);
    } finally {
      await Promise.all([ahead.dispose(), after.dispose()]);
    }
  });

  it('leaves out where the person was and where the picture moved, so a moving person does not smear into it', async () => {
    // A 64x32 grid: grey background; the person (red) now at columns 40-47, before at 16-23.
    const width = 64;
    const height = 32;
    const n = width * height;
    const gridRgb = new Float32Array(n * 3);
    const previousAlpha = new Float32Array(n);
    const motion = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = i % width;
      const now = x >= 40 && x < 48;
      const before = x >= 16 && x < 24;
      gridRgb.set(now ? [255, 0, 0] : [100, 100, 100], i * 3);
      previousAlpha[i] = before ? 1 : 0;
      motion[i] = now || before ? 1 : 0;
    }
    const frame = makeFrame({
      width: width * 5,
      height: height * 5,
      data: new Uint8Array(n * 25 * 4),
      pts: 0,
      seq: 0,
      readAt: 0,
    });
    const pool = await PixelPool.create(1);
    try {
      const compositor = new Compositor(pool, new SharedPixels());
      const reddest = (withMotion: boolean) => {
        compositor.prepareBlur(
          frame,
          { gridRgb, width, height, motion: withMotion ? motion : undefined },
          previousAlpha,
          60,
        );
        // What composite() would blend over: the prepared plane (RGBA at half the grid).
        const plane = (compositor as unknown as { preparedBlur: { plane: { data: Uint8Array } } })
          .preparedBlur.plane.data;
        let most = 0;
        for (let p = 0; p < plane.length; p += 4) most = Math.max(most, plane[p] - plane[p + 1]);
        return most;
      };
      // With the motion left out, the blurred background is grey everywhere; without it, red leaks in.
      expect(reddest(true)).toBeLessThanOrEqual(1);
      expect(reddest(false)).toBeGreaterThan(30);
    } finally {
      await pool.dispose();
    }
  });
});
