import { describe, expect, it } from 'vitest';
import { MaskSettings } from '../../src/config/schema.ts';
import type { Frame } from '../../src/core/frame.ts';
import { PersonPipeline } from '../../src/pipeline/composite/person-pipeline.ts';
import { MODELS_DIR, media } from '../helpers/shared.ts';
import { collectFrames } from './decode.ts';

/** A copy of the frame with seeded noise of +-amplitude levels on every channel (a camera's grain). */
function grainy(frame: Frame, amplitude: number, seed: number): Frame {
  const data = Buffer.from(frame.data);
  for (let i = 0; i < data.length; i++) {
    if ((i & 3) === 3) continue;
    const noise = ((Math.imul(i + seed * 7919, 2654435761) >>> 24) % (2 * amplitude + 1)) - amplitude;
    data[i] = Math.min(255, Math.max(0, data[i] + noise));
  }
  return { ...frame, data };
}

describe('skip-similar-frames (real selfie model)', () => {
  it('skips the model on a nearly unchanged picture, runs it on a changed one, and keeps the mask of the last run', async () => {
    const [first, later] = await collectFrames(media('video', 'person_indoor_576x576_4s.mp4'), {
      width: 640,
      height: 360,
      maxFrames: 60,
    }).then((frames) => [frames[0], frames[59]]);
    for (const model of ['selfie', 'selfie-landscape']) {
      const people = await PersonPipeline.create({
        model,
        mask: MaskSettings.parse({ skipSimilarFrames: true }),
        modelsDir: MODELS_DIR,
        workers: 2,
      });
      try {
        const a = await people.mask(first);
        const alphaA = a.alpha.slice();
        const b = await people.mask(grainy(first, 2, 1)); // sensor grain only
        const c = await people.mask(later); // the person moved
        expect([a.skipped, b.skipped, c.skipped]).toEqual([false, true, false]);
        // A skipped frame reuses the last probability: with the same picture, the same mask.
        expect(b.alpha).toEqual(alphaA);
        expect(people.stats()).toMatchObject({ framesMasked: 3, inferences: 2, skippedSimilar: 1 });
      } finally {
        await people.dispose();
      }
    }
  });

  it('never skips more than 15 frames in a row, and not at all when turned off', async () => {
    const [frame] = await collectFrames(media('video', 'person_indoor_576x576_4s.mp4'), {
      width: 320,
      height: 180,
      maxFrames: 1,
    });
    const on = await PersonPipeline.create({
      model: 'selfie',
      mask: MaskSettings.parse({ skipSimilarFrames: true }),
      modelsDir: MODELS_DIR,
      workers: 2,
    });
    const off = await PersonPipeline.create({
      model: 'selfie',
      mask: MaskSettings.parse({ skipSimilarFrames: false }),
      modelsDir: MODELS_DIR,
      workers: 2,
    });
    try {
      const skipped = [];
      for (let i = 0; i < 18; i++) skipped.push((await on.mask(frame)).skipped);
      expect(skipped.indexOf(false, 1)).toBe(16); // frames 1-15 skipped, the 16th after them runs
      for (let i = 0; i < 3; i++) expect((await off.mask(frame)).skipped).toBe(false);
    } finally {
      await Promise.all([on.dispose(), off.dispose()]);
    }
  });
});
