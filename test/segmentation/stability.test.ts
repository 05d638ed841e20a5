import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaskSettings } from '../../src/config/schema.ts';
import { PersonPipeline } from '../../src/pipeline/composite/person-pipeline.ts';
import { StabilityMeter } from '../../src/pipeline/mask/stability.ts';
import { MODELS_DIR, media } from '../helpers/shared.ts';
import { decodeFrames } from './decode.ts';

/**
 * Temporal stability on the two clips (frames decoded by real ffmpeg, real selfie model): smoothing on
 * (defaults) against off. Loose floors below the measured values (README `segmentation`): both clips
 * move a lot, so most frame-to-frame change is real motion that no filter should remove.
 */
const settings = MaskSettings.parse({});
let people: PersonPipeline;

beforeAll(async () => {
  people = await PersonPipeline.create({ model: 'selfie', mask: settings, modelsDir: MODELS_DIR });
});
afterAll(async () => {
  await people?.dispose();
});

const CLIPS = [
  { file: 'person_indoor_576x576_4s.mp4', size: 576, minReduction: 0.15, minStaticReduction: 0.3 },
  { file: 'woman_plain_backdrop_720x720.mp4', size: 720, minReduction: 0.02, minStaticReduction: 0.03 },
];

describe('temporal mask smoothing', () => {
  for (const clip of CLIPS) {
    it(`${clip.file}: less flicker with smoothing, mean IoU to the per-frame mask >= 0.95`, async () => {
      people.masker.reset();
      const meter = new StabilityMeter(people.masker, settings);
      for await (const frame of decodeFrames(media('video', clip.file), {
        width: clip.size,
        height: clip.size,
      }))
        await meter.add(frame);
      const r = meter.report();
      console.log(clip.file, JSON.stringify(r));
      expect(r.frames).toBeGreaterThanOrEqual(120);
      expect(r.flickerOn).toBeLessThan(r.flickerOff);
      expect(r.reduction).toBeGreaterThanOrEqual(clip.minReduction);
      expect(r.staticReduction).toBeGreaterThanOrEqual(clip.minStaticReduction);
      expect(r.meanIou).toBeGreaterThanOrEqual(0.95);
    }, 600_000);
  }
});
