import { type ConvertContext, NCHW_TO_NHWC, NHWC_TO_NCHW, nchwAxis } from '../context.ts';
import { type ConstData, sizeOf } from '../tensor-data.ts';

/**
 * Shape arithmetic. The importer fixes every shape at import time, so SHAPE, STRIDED_SLICE and PACK
 * on shapes fold to constants (the dynamic-range transform computes its decoder sizes this way).
 */

export function convertShape(ctx: ConvertContext): void {
  const shape = ctx.shapeOf(0);
  ctx.outputConst(0, Int32Array.from(shape), [shape.length]);
}

/** STRIDED_SLICE on a constant 1-D tensor. StridedSliceOptions: begin_mask 0, end_mask 1, ellipsis 2, new_axis 3, shrink_axis 4. */
export function convertStridedSlice(ctx: ConvertContext): void {
  const x = ctx.input(0);
  if (x.kind !== 'const' || x.shape.length !== 1) {
    ctx.unsupported('is only supported on constant 1-D tensors (shape arithmetic)');
  }
  const o = ctx.options;
  if ((o?.int32(2) ?? 0) !== 0 || (o?.int32(3) ?? 0) !== 0)
    ctx.unsupported('uses ellipsis or new-axis masks');
  const n = x.shape[0];
  const [begin, end, stride] = [1, 2, 3].map((i) => ctx.requireConst(i, 'slice bound').data[0]);
  const beginMask = (o?.int32(0) ?? 0) & 1;
  const endMask = (o?.int32(1) ?? 0) & 1;
  const shrink = (o?.int32(4) ?? 0) & 1;
  const clampIndex = (v: number, lo: number, hi: number): number =>
    Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  const picked: number[] = [];
  if (shrink) {
    picked.push(x.data[clampIndex(begin, 0, n - 1)]);
  } else if (stride > 0) {
    const from = beginMask ? 0 : clampIndex(begin, 0, n);
    const to = endMask ? n : clampIndex(end, 0, n);
    for (let k = from; k < to; k += stride) picked.push(x.data[k]);
  } else {
    const from = beginMask ? n - 1 : clampIndex(begin, -1, n - 1);
    const to = endMask ? -1 : clampIndex(end, -1, n - 1);
    for (let k = from; k > to; k += stride) picked.push(x.data[k]);
  }
  const data: ConstData = x.data instanceof Int32Array ? Int32Array.from(picked) : Float32Array.from(picked);
  ctx.outputConst(0, data, shrink ? [] : [picked.length]);
}

/** PACK of constants along axis 0. PackOptions: values_count 0, axis 1. */
export function convertPack(ctx: ConvertContext): void {
  const axis = ctx.options?.int32(1) ?? 0;
  const parts = ctx.op.inputs.map((_, i) => ctx.input(i));
  if (axis !== 0 || parts.some((p) => p.kind !== 'const')) {
    ctx.unsupported('is only supported on constants along axis 0 (shape arithmetic)');
  }
  const values = parts.flatMap((p) => (p.kind === 'const' ? Array.from(p.data) : []));
  const asInt = parts.every((p) => p.kind === 'const' && p.data instanceof Int32Array);
  ctx.outputConst(0, asInt ? Int32Array.from(values) : Float32Array.from(values), [
    parts.length,
    ...parts[0].shape,
  ]);
}

/** RESHAPE: the new shape from input 1 (constant) or ReshapeOptions.new_shape (field 0). */
export function convertReshape(ctx: ConvertContext): void {
  const x = ctx.input(0);
  const requested = ctx.hasInput(1)
    ? Array.from(ctx.requireConst(1, 'shape').data)
    : (ctx.options?.int32s(0) ?? []);
  const total = sizeOf(x.shape);
  const known = requested.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const shape = requested.map((d) => (d === -1 ? total / known : d));
  if (sizeOf(shape) !== total) ctx.unsupported(`reshapes [${x.shape}] to [${requested}]`);
  if (x.kind === 'const') {
    ctx.outputConst(0, x.data, shape);
    return;
  }
  // Reshape works on TFLite's element order: leave NCHW for it and come back if the result is 4-D.
  const flat = x.shape.length === 4 ? ctx.g.add('Transpose', [x.name], { perm: NCHW_TO_NHWC }) : x.name;
  const reshaped = ctx.g.add('Reshape', [flat, ctx.g.addInt64s('shape', shape)]);
  ctx.output(
    0,
    shape.length === 4 ? ctx.g.add('Transpose', [reshaped], { perm: NHWC_TO_NCHW }) : reshaped,
    shape,
  );
}

/** CONCATENATION. ConcatenationOptions: axis 0, fused_activation_function 1. */
export function convertConcatenation(ctx: ConvertContext): void {
  const parts = ctx.op.inputs.map((_, i) => ctx.input(i));
  const rank = parts[0].shape.length;
  const raw = ctx.options?.int32(0) ?? 0;
  const axis = raw < 0 ? raw + rank : raw;
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((sum, p) => sum + p.shape[axis], 0);
  const fused = ctx.options?.int8(1) ?? 0;
  if (parts.every((p) => p.kind === 'const') && axis === 0 && fused === 0) {
    const values = parts.flatMap((p) => (p.kind === 'const' ? Array.from(p.data) : []));
    const asInt = parts.every((p) => p.kind === 'const' && p.data instanceof Int32Array);
    ctx.outputConst(0, asInt ? Int32Array.from(values) : Float32Array.from(values), shape);
    return;
  }
  const names = parts.map((p) => ctx.onnxName(p, rank));
  const concat = ctx.g.add('Concat', names, { axis: rank === 4 ? nchwAxis(axis) : axis });
  ctx.output(0, ctx.activation(concat, fused), shape);
}
