import { BuiltinOp } from '../builtin-ops.ts';
import { type ConvertContext, NCHW_TO_NHWC, nchwAxis } from '../context.ts';
import { convPadding, PADDING_SAME } from './padding.ts';

/** AVERAGE_POOL_2D / MAX_POOL_2D. TFLite's average ignores padded cells, as ONNX's count_include_pad=0. */
export function convertPool(code: number) {
  return (ctx: ConvertContext): void => {
    const o = ctx.options;
    // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, fused 5.
    const padding = o?.int8(0) ?? PADDING_SAME;
    const strides = [o?.int32(2, 1) ?? 1, o?.int32(1, 1) ?? 1];
    const kernel = [o?.int32(4, 1) ?? 1, o?.int32(3, 1) ?? 1];
    const shape = ctx.shapeOf(0);
    if (shape.length !== 4) ctx.unsupported(`has a rank-${shape.length} input, expected NHWC`);
    const [n, h, w, c] = shape;
    const ph = convPadding(h, kernel[0], strides[0], 1, padding);
    const pw = convPadding(w, kernel[1], strides[1], 1, padding);
    if (!ph || !pw) ctx.unsupported(`uses padding mode ${padding}`);
    const pool = ctx.g.add(code === BuiltinOp.MAX_POOL_2D ? 'MaxPool' : 'AveragePool', [ctx.name(0)], {
      kernel_shape: kernel,
      strides,
      pads: [ph.before, pw.before, ph.after, pw.after],
    });
    ctx.output(0, ctx.activation(pool, o?.int8(5) ?? 0), [n, ph.out, pw.out, c]);
  };
}

/** MEAN over constant axes; ReducerOptions: keep_dims 0. */
export function convertMean(ctx: ConvertContext): void {
  const shape = ctx.shapeOf(0);
  const rank = shape.length;
  const axes = [...new Set(Array.from(ctx.requireConst(1, 'axes').data, (a) => (a < 0 ? a + rank : a)))];
  if (axes.some((a) => a < 0 || a >= rank))
    ctx.unsupported(`reduces axes [${axes}] of a rank-${rank} tensor`);
  const keepDims = ctx.options?.bool(0) ?? false;
  const kept = shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const outShape = keepDims ? kept : shape.filter((_, k) => !axes.includes(k));
  const onnxAxes = rank === 4 ? axes.map(nchwAxis) : axes;
  const reduced = ctx.g.add('ReduceMean', [ctx.name(0)], { axes: onnxAxes.sort(), keepdims: 1 });
  if (keepDims || outShape.length === rank) {
    ctx.output(0, reduced, outShape);
    return;
  }
  // Dropping axes: go back to TFLite order first so the remaining axes keep their meaning.
  const ordered = rank === 4 ? ctx.g.add('Transpose', [reduced], { perm: NCHW_TO_NHWC }) : reduced;
  const target = outShape.length === 4 ? ctx.unsupported('drops axes to a rank-4 result') : outShape;
  ctx.output(0, ctx.g.add('Reshape', [ordered, ctx.g.addInt64s('shape', target)]), outShape);
}
