import { BuiltinOp } from '../builtin-ops.ts';
import type { ConvertContext } from '../context.ts';

/**
 * QUANTIZE / DEQUANTIZE. Values in the ONNX graph are always real numbers, so both are identities on
 * activations; ctx.output adds the int8 rounding when the output tensor is int8 (simulate mode).
 * On constants (fp16 or int8 weights) they fold away: the weights were decoded to real values already.
 */
export function convertQuantize(code: number) {
  return (ctx: ConvertContext): void => {
    const x = ctx.input(0);
    if (x.kind === 'const') {
      const quant = ctx.outputTensor(0).quantization;
      if (code === BuiltinOp.QUANTIZE && quant && quant.scale.length === 1) {
        const [scale, zero] = [quant.scale[0], quant.zeroPoint[0] ?? 0];
        const rounded = Float32Array.from(x.data, (v) => (Math.round(v / scale + zero) - zero) * scale);
        ctx.outputConst(0, rounded, x.shape);
      } else {
        ctx.outputConst(0, x.data instanceof Float32Array ? x.data : Float32Array.from(x.data), x.shape);
      }
      return;
    }
    ctx.output(0, x.name, x.shape);
  };
}
