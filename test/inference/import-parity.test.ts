import { beforeAll, describe, expect, it } from 'vitest';
import type { TensorData } from '../../src/inference/runtime.ts';
import { media, model } from '../helpers/shared.ts';
import { type Difference, difference, imageTensor } from './fixtures/images.ts';
import { loadOracle } from './fixtures/oracle.ts';
import { openImported, runOnce } from './fixtures/run-imported.ts';

// Parity of imported models against the TFLite 2.9 interpreter (tfjs-tflite-node) on real images.
// Numbers are printed for the report. Tolerances:
// - float models (fp16 weights are widened exactly): 1e-4 of the output's range — only summation
//   order differs between the two runtimes.
// - int8 models: TFLite rounds every activation to int8; the import computes activations in float
//   (measured as faster at the same quality as simulating the rounding), so the outputs may differ by
//   about one output quantization step.

const magenta = (file: string) => model('magenta-arbitrary-style', file);
const report = (name: string, d: Difference, extra = '') =>
  console.log(
    `parity ${name}: max abs diff ${d.max.toExponential(2)}, mean ${d.mean.toExponential(2)}${extra}`,
  );

async function parity(
  path: string,
  inputs: TensorData[],
): Promise<{ d: Difference; ours: TensorData; ref: TensorData }> {
  const session = await openImported(path);
  const ours = await runOnce(session, inputs);
  await session.release();
  const ref = (await loadOracle(path)).run(inputs.map((t) => ({ data: t.data, dims: [...t.dims] })));
  expect(ours.dims).toEqual(ref.dims);
  return { d: difference(ours.data, ref.data), ours, ref };
}

describe('imported TFLite models match the TFLite interpreter', () => {
  let style: TensorData;
  let content: TensorData;
  let bottleneck: TensorData;
  let tfliteFloatTransform: TensorData | undefined;

  beforeAll(async () => {
    style = await imageTensor(media('style_golden', 'style_input_style.jpg'), 256, 256);
    content = await imageTensor(media('style_golden', 'content_input_image.jpg'), 384, 384);
  });

  it('style predict int8 (int8 weights and activations): within one output quantization step', async () => {
    const { d, ref } = await parity(magenta('style_predict_quantized_256.tflite'), [style]);
    const step = 0.019878942519426346; // scale of the int8 output tensor before its DEQUANTIZE
    report('style_predict_quantized_256', d, ` (output step ${step.toFixed(4)})`);
    expect(d.max).toBeLessThanOrEqual(1.5 * step);
    expect(d.mean).toBeLessThanOrEqual(0.5 * step);
    bottleneck = ref; // the transforms below get TFLite's own style vector

    // The other option measured: int8 kept as QuantizeLinear/DequantizeLinear around int8 weights, so
    // ONNX Runtime runs its integer kernels. Exactly one step at most, but no faster (see import.ts).
    const simulated = await openImported(magenta('style_predict_quantized_256.tflite'), {
      quantizedActivations: 'simulate',
    });
    const s = difference((await runOnce(simulated, [style])).data, ref.data);
    await simulated.release();
    report('style_predict_quantized_256 (simulated int8)', s);
    expect(s.max).toBeLessThanOrEqual(1.01 * step);
  });

  for (const file of [
    'style_transfer_f16_384.tflite',
    'magenta_arbitrary-image-stylization-v1-256_fp16_transfer_1.tflite',
  ]) {
    it(`${file} (fp16 weights): float parity`, async () => {
      const { d, ref } = await parity(magenta(file), [content, bottleneck]);
      tfliteFloatTransform ??= ref;
      report(file, d);
      expect(d.max).toBeLessThan(1e-4); // output range is [0, 1]
    });
  }

  it('style transform int8 (int8 activations): as close to TFLite int8 as TFLite fp16 is', async () => {
    const { d, ours, ref } = await parity(magenta('style_transfer_quantized_384.tflite'), [
      content,
      bottleneck,
    ]);
    // TFLite's int8 kernels round each instance norm's variance to steps of ~0.0025, so a small
    // variance can be off by a large factor and rescale a whole channel. That rounding is what
    // separates TFLite int8 from TFLite fp16; the import (float activations) sits on the fp16 side.
    const floatToInt8 = difference(tfliteFloatTransform!.data, ref.data);
    const oursToFloat = difference(ours.data, tfliteFloatTransform!.data);
    report(
      'style_transfer_quantized_384',
      d,
      ` (TFLite fp16 vs TFLite int8: mean ${floatToInt8.mean.toExponential(2)}; ours vs TFLite fp16: mean ${oursToFloat.mean.toExponential(2)})`,
    );
    expect(d.mean).toBeLessThanOrEqual(1.1 * floatToInt8.mean);
    expect(d.mean).toBeLessThan(8 / 255);
    expect(oursToFloat.mean).toBeLessThan(2 / 255);

    // Simulating the int8 rounding (the slower option) lands much closer to TFLite int8.
    const simulated = await openImported(magenta('style_transfer_quantized_384.tflite'), {
      quantizedActivations: 'simulate',
    });
    const s = difference((await runOnce(simulated, [content, bottleneck])).data, ref.data);
    await simulated.release();
    report('style_transfer_quantized_384 (simulated int8)', s);
    expect(s.mean).toBeLessThan(d.mean);
  });

  it('DeepLabV3 (float): parity and the same argmax class', async () => {
    const input = await imageTensor(
      media('deeplab_kids_horse', 'input_image.jpeg'),
      257,
      257,
      (v) => (v - 127.5) / 127.5,
    );
    const { d, ours, ref } = await parity(model('deeplabv3', 'lite-model_deeplabv3_1_metadata_2.tflite'), [
      input,
    ]);
    let range = 0;
    for (const v of ref.data) range = Math.max(range, Math.abs(v));
    let same = 0;
    const pixels = ours.data.length / 21;
    for (let p = 0; p < pixels; p++) {
      const best = (a: Float32Array) => {
        let k = 0;
        for (let c = 1; c < 21; c++) if (a[p * 21 + c] > a[p * 21 + k]) k = c;
        return k;
      };
      if (best(ours.data) === best(ref.data)) same++;
    }
    report('deeplabv3', d, ` (logit range ${range.toFixed(1)}; argmax agrees on ${same}/${pixels} pixels)`);
    expect(d.max).toBeLessThan(1e-4 * range);
    expect(same / pixels).toBeGreaterThan(0.999);
  });
});
