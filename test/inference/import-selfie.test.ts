import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createSession, type TensorData } from '../../src/inference/runtime.ts';
import { media, model } from '../helpers/shared.ts';
import { difference, maskBytes } from './fixtures/images.ts';
import { iou, probabilityToMask } from './fixtures/masks.ts';
import { openImported, runOnce } from './fixtures/run-imported.ts';

// MediaPipe selfie segmentation uses the custom op Convolution2DTransposeBias, which the TFLite
// oracle cannot run: check the imports against the reference mask and against an independent
// ONNX conversion (PINTO's, shipped by obs-backgroundremoval).

const selfie = (file: string) => model('mediapipe-selfie-segmentation', file);
const portrait = media('portrait_obama', 'portrait.jpg');

/** The whole frame resized (no crop) to the model's input, RGB in [0, 1]. */
async function frameTensor(width: number, height: number): Promise<TensorData> {
  const data = await sharp(portrait)
    .removeAlpha()
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return { data: Float32Array.from(data, (v) => v / 255), dims: [1, height, width, 3] };
}

describe('selfie segmentation imports', () => {
  for (const [file, width, height] of [
    ['selfie_segmentation.tflite', 256, 256],
    ['selfie_segmentation_landscape.tflite', 256, 144],
  ] as const) {
    it(`${file}: IoU >= 0.97 against the portrait's person mask`, async () => {
      const { width: w, height: h } = await sharp(portrait).metadata();
      const session = await openImported(selfie(file));
      const out = await runOnce(session, [await frameTensor(width, height)]);
      await session.release();
      expect(out.dims).toEqual([1, height, width, 1]);
      const mask = await probabilityToMask(out.data, { width, height }, { width: w!, height: h! });
      const score = iou(mask, await maskBytes(media('portrait_obama', 'person_mask.png')));
      console.log(`${file}: IoU ${score.toFixed(4)}`);
      expect(score).toBeGreaterThanOrEqual(0.97);
    });
  }

  it('agrees with the independent ONNX conversion of the general model', async () => {
    const input = await frameTensor(256, 256);
    const ours = await openImported(selfie('selfie_segmentation.tflite'));
    const theirs = await createSession(selfie('selfie_segmentation.onnx'), { threads: 2 });
    const a = await runOnce(ours, [input]);
    const b = await runOnce(theirs, [input]);
    await Promise.all([ours.release(), theirs.release()]);
    const d = difference(a.data, b.data);
    const binary = (p: Float32Array) => Uint8Array.from(p, (v) => (v >= 0.5 ? 255 : 0));
    const agreement = iou(binary(a.data), binary(b.data));
    console.log(
      `selfie vs selfie_segmentation.onnx: max abs diff ${d.max.toExponential(2)}, mean ${d.mean.toExponential(2)}, mask IoU ${agreement.toFixed(5)}`,
    );
    expect(d.max).toBeLessThan(1e-4);
    expect(agreement).toBeGreaterThan(0.999);
  });
});
