import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { media, model } from '../helpers/shared.ts';
import { difference, imageTensor } from './fixtures/images.ts';
import { openImported, runOnce } from './fixtures/run-imported.ts';

// The upstream style-transfer sample's golden: predict(style) + transform(content), centre-crop,
// bilinear resize to 256 / 384, /255 (see ../shared/media/PROVENANCE.md), all on ONNX Runtime.
// The dynamic-range transform cannot run on the TFLite 2.9 oracle (it aborts in native code with
// "free(): invalid size"), so it is checked here: against the golden and against the fp16
// transform, whose import matches TFLite to 1e-5 (import-parity.test.ts).

const magenta = (file: string) => model('magenta-arbitrary-style', file);

describe('style golden through imported models', () => {
  it('int8 predict + each transform variant stays within 10/255 of the upstream expected image', async () => {
    const style = await imageTensor(media('style_golden', 'style_input_style.jpg'), 256, 256);
    const content = await imageTensor(media('style_golden', 'content_input_image.jpg'), 384, 384);
    const predict = await openImported(magenta('style_predict_quantized_256.tflite'));
    const bottleneck = await runOnce(predict, [style]);
    await predict.release();
    expect(bottleneck.dims).toEqual([1, 1, 1, 100]);
    const png = await sharp(media('style_golden', 'expected_image.png')).removeAlpha().raw().toBuffer();
    const expected = Float32Array.from(png, (v) => v / 255);

    const outputs: Record<string, Float32Array> = {};
    for (const variant of ['quantized_384', 'f16_384', 'quantized_dynamic']) {
      const transform = await openImported(magenta(`style_transfer_${variant}.tflite`));
      const out = await runOnce(transform, [content, bottleneck]);
      await transform.release();
      expect(out.dims).toEqual([1, 384, 384, 3]);
      const d = difference(out.data, expected);
      console.log(
        `golden ${variant}: mean abs diff ${(d.mean * 255).toFixed(2)}/255, max ${(d.max * 255).toFixed(0)}/255`,
      );
      expect(d.mean).toBeLessThanOrEqual(10 / 255);
      outputs[variant] = out.data;
    }
    // Dynamic-range (int8 weights, float activations) vs fp16 weights: only weight rounding differs.
    const d = difference(outputs.quantized_dynamic, outputs.f16_384);
    console.log(
      `dynamic vs fp16 transform: mean ${(d.mean * 255).toFixed(2)}/255, max ${(d.max * 255).toFixed(0)}/255`,
    );
    expect(d.mean).toBeLessThan(2 / 255);
  });
});
