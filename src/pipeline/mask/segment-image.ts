import sharp from 'sharp';
import type { Config, MaskSettings } from '../../config/schema.ts';
import { makeFrame } from '../../core/frame.ts';
import type { Logger } from '../../core/log.ts';
import type { AspectMode } from '../../inference/segmenters/fit.ts';
import { PersonPipeline } from '../composite/person-pipeline.ts';

export interface ImageMask {
  /** 8-bit greyscale, width x height, 255 = person. */
  grey: Uint8Array;
  width: number;
  height: number;
}

/** One image -> its person mask at full size: the live path with temporal smoothing and skipping off. */
export async function segmentRgba(
  rgba: Uint8Array,
  width: number,
  height: number,
  options: {
    model: string;
    mask: MaskSettings;
    inference?: Partial<Config['inference']>;
    log?: Logger;
    aspect?: AspectMode;
  },
): Promise<ImageMask> {
  const people = await PersonPipeline.create({
    model: options.model,
    mask: { ...options.mask, temporalSmoothing: 0, skipSimilarFrames: false },
    device: options.inference?.device,
    threads: options.inference?.threads,
    modelsDir: options.inference?.modelsDir,
    log: options.log,
    aspect: options.aspect,
    modelInPool: false,
  });
  try {
    return await maskImage(people, rgba, width, height);
  } finally {
    await people.dispose();
  }
}

/** One still image through an open pipeline (its temporal state is reset first). */
export async function maskImage(
  people: PersonPipeline,
  rgba: Uint8Array,
  width: number,
  height: number,
): Promise<ImageMask> {
  people.masker.reset();
  const frame = makeFrame({ width, height, data: rgba, pts: 0, seq: 0, readAt: performance.now() });
  const mask = await people.mask(frame);
  const view = await people.composite(frame, mask, { mode: 'mask' });
  // The grey channel out of RGBA by libvips (off the main thread), not a JS loop over the image.
  const grey = await sharp(view.data, { raw: { width, height, channels: 4 } })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return { grey: new Uint8Array(grey.buffer, grey.byteOffset, grey.length), width, height };
}
