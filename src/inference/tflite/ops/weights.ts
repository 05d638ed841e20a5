import type { ConvertContext } from '../context.ts';
import { TensorType } from '../schema.ts';

/**
 * A conv weight or bias as an ONNX value. Normally a float initializer (dequantized at import). When
 * int8 activations are simulated, int8 weights stay int8 behind a per-channel DequantizeLinear so
 * that ONNX Runtime can recognise DQ -> Conv -> Q and run its integer kernels.
 * `values` are the real values already in ONNX layout with the channel axis first.
 */
export function weightValue(
  ctx: ConvertContext,
  inputIndex: number,
  values: Float32Array,
  dims: number[],
): string {
  const tensor = ctx.inputTensor(inputIndex);
  const quant = tensor.quantization;
  const intType = tensor.type === TensorType.INT8 || tensor.type === TensorType.INT32;
  const channels = dims[0];
  const perChannel = quant && (quant.scale.length === channels || quant.scale.length === 1);
  const zeroPointsZero = quant?.zeroPoint.every((z) => z === 0) ?? false;
  if (
    ctx.settings.quantizedActivations !== 'simulate' ||
    !intType ||
    !quant ||
    !perChannel ||
    !zeroPointsZero
  ) {
    return ctx.g.addInitializer(inputIndex === 2 ? 'bias' : 'weight', values, dims);
  }
  const inner = values.length / channels;
  const scales = Float32Array.from(
    { length: channels },
    (_, c) => quant.scale[quant.scale.length === 1 ? 0 : c],
  );
  const isBias = tensor.type === TensorType.INT32;
  const ints = isBias ? new Int32Array(values.length) : new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) ints[i] = Math.round(values[i] / scales[Math.floor(i / inner)]);
  const zeros = isBias ? new Int32Array(channels) : new Int8Array(channels);
  return ctx.g.add(
    'DequantizeLinear',
    [
      ctx.g.addInitializer('q_weight', ints, dims),
      ctx.g.addInitializer('q_weight_scale', scales, [channels]),
      ctx.g.addInitializer('q_weight_zero', zeros, [channels]),
    ],
    { axis: 0 },
  );
}
