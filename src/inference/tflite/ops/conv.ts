import type { ConvertContext } from '../context.ts';
import { transposeData } from '../tensor-data.ts';
import { canUseSpaceToDepth, emitSpaceToDepthConv } from './narrow-conv.ts';
import { convPadding, PADDING_SAME, PADDING_VALID } from './padding.ts';
import { weightValue } from './weights.ts';

/** CONV_2D: weights OHWI -> OIHW; grouped when the kernel has fewer input channels than the tensor. */
export function convertConv2d(ctx: ConvertContext): void {
  const o = ctx.options;
  // Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w 4, dilation_h 5.
  const padding = o?.int8(0) ?? PADDING_SAME;
  const [strideW, strideH] = [o?.int32(1, 1) ?? 1, o?.int32(2, 1) ?? 1];
  const [dilationW, dilationH] = [o?.int32(4, 1) ?? 1, o?.int32(5, 1) ?? 1];
  const fused = o?.int8(3) ?? 0;
  const [n, h, w, c] = shape4(ctx, 0);
  const weight = ctx.requireConst(1, 'filter');
  const [outC, kh, kw, kc] = weight.shape;
  if (weight.shape.length !== 4 || c % kc !== 0)
    ctx.unsupported(`has filter shape [${weight.shape}] for ${c} channels`);
  const oihw = toFloat(transposeData(weight.data, weight.shape, [0, 3, 1, 2]));
  const kernel: [number, number] = [kh, kw];
  const [strides, dilations]: [number, number][] = [
    [strideH, strideW],
    [dilationH, dilationW],
  ];
  const ph = convPadding(h, kh, strideH, dilationH, padding);
  const pw = convPadding(w, kw, strideW, dilationW, padding);
  const pads = ph && pw ? [ph.before, pw.before, ph.after, pw.after] : [1];
  if (
    ph &&
    pw &&
    ctx.settings.rewriteNarrowConvs &&
    canUseSpaceToDepth([n, h, w, c], kernel, strides, dilations, pads, c / kc, outC)
  ) {
    const bias = ctx.hasInput(2) ? toFloat(ctx.requireConst(2, 'bias').data) : undefined;
    const y = emitSpaceToDepthConv(ctx, ctx.name(0), { weight: oihw, bias, outC, inC: c, kernel });
    ctx.output(0, ctx.activation(y, fused), [n, ph.out, pw.out, outC]);
    return;
  }
  convNode(ctx, {
    weight: weightValue(ctx, 1, oihw, [outC, kc, kh, kw]),
    group: c / kc,
    inShape: [n, h, w, c],
    outC,
    kernel,
    strides,
    dilations,
    padding,
    fused,
  });
}

/** DEPTHWISE_CONV_2D: weights [1, KH, KW, C*M] -> [C*M, 1, KH, KW], group = C. */
export function convertDepthwiseConv2d(ctx: ConvertContext): void {
  const o = ctx.options;
  // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3, fused 4, dilation_w 5, dilation_h 6.
  const padding = o?.int8(0) ?? PADDING_SAME;
  const [strideW, strideH] = [o?.int32(1, 1) ?? 1, o?.int32(2, 1) ?? 1];
  const [dilationW, dilationH] = [o?.int32(5, 1) ?? 1, o?.int32(6, 1) ?? 1];
  const fused = o?.int8(4) ?? 0;
  const [n, h, w, c] = shape4(ctx, 0);
  const weight = ctx.requireConst(1, 'filter');
  const [one, kh, kw, outC] = weight.shape;
  if (weight.shape.length !== 4 || one !== 1 || outC % c !== 0) {
    ctx.unsupported(`has depthwise filter shape [${weight.shape}] for ${c} channels`);
  }
  const oihw = transposeData(weight.data, weight.shape, [3, 0, 1, 2]);
  convNode(ctx, {
    weight: weightValue(ctx, 1, toFloat(oihw), [outC, 1, kh, kw]),
    group: c,
    inShape: [n, h, w, c],
    outC,
    kernel: [kh, kw],
    strides: [strideH, strideW],
    dilations: [dilationH, dilationW],
    padding,
    fused,
  });
}

interface ConvSpec {
  weight: string;
  group: number;
  inShape: number[];
  outC: number;
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  padding: number;
  fused: number;
}

function convNode(ctx: ConvertContext, spec: ConvSpec): void {
  const [n, h, w] = spec.inShape;
  const ph = convPadding(h, spec.kernel[0], spec.strides[0], spec.dilations[0], spec.padding);
  const pw = convPadding(w, spec.kernel[1], spec.strides[1], spec.dilations[1], spec.padding);
  if (!ph || !pw) ctx.unsupported(`uses padding mode ${spec.padding}`);
  const inputs = [ctx.name(0), spec.weight];
  if (ctx.hasInput(2)) inputs.push(bias(ctx, 2, spec.outC));
  const conv = ctx.g.add('Conv', inputs, {
    kernel_shape: spec.kernel,
    strides: spec.strides,
    dilations: spec.dilations,
    pads: [ph.before, pw.before, ph.after, pw.after],
    group: spec.group,
  });
  ctx.output(0, ctx.activation(conv, spec.fused), [n, ph.out, pw.out, spec.outC]);
}

/**
 * MediaPipe's custom Convolution2DTransposeBias: inputs (x, weights OHWI, bias); custom options hold
 * TfLiteTransposeConvParams as three int32 {padding (1 = SAME, 2 = VALID), stride_width, stride_height}.
 */
export function convertConvTransposeBias(ctx: ConvertContext): void {
  const raw = ctx.op.customOptions;
  if (raw.length < 12) ctx.unsupported(`has ${raw.length} bytes of options, expected 12 (padding, strides)`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const [padCode, strideW, strideH] = [
    view.getInt32(0, true),
    view.getInt32(4, true),
    view.getInt32(8, true),
  ];
  const padding = padCode === 1 ? PADDING_SAME : padCode === 2 ? PADDING_VALID : -1;
  if (padding < 0) ctx.unsupported(`has padding code ${padCode}`);
  transposeConv(ctx, 0, 1, 2, padding, [strideH, strideW], 0);
}

/** TRANSPOSE_CONV: inputs (output_shape, weights OHWI, x, bias?); TransposeConvOptions padding 0, stride_w 1, stride_h 2, fused 3. */
export function convertTransposeConv(ctx: ConvertContext): void {
  const o = ctx.options;
  const outputShape = Array.from(ctx.requireConst(0, 'output shape').data);
  transposeConv(
    ctx,
    2,
    1,
    3,
    o?.int8(0) ?? PADDING_SAME,
    [o?.int32(2, 1) ?? 1, o?.int32(1, 1) ?? 1],
    o?.int8(3) ?? 0,
    outputShape,
  );
}

function transposeConv(
  ctx: ConvertContext,
  xIndex: number,
  wIndex: number,
  bIndex: number,
  padding: number,
  strides: [number, number],
  fused: number,
  declaredOut?: number[],
): void {
  const [n, h, w, c] = shape4(ctx, xIndex);
  const weight = ctx.requireConst(wIndex, 'filter');
  const [outC, kh, kw, kc] = weight.shape;
  if (weight.shape.length !== 4 || kc !== c)
    ctx.unsupported(`has filter shape [${weight.shape}] for ${c} channels`);
  const size = (inSize: number, k: number, s: number): number =>
    padding === PADDING_SAME ? inSize * s : (inSize - 1) * s + k;
  const outH = declaredOut?.[1] ?? size(h, kh, strides[0]);
  const outW = declaredOut?.[2] ?? size(w, kw, strides[1]);
  // Padding as if a forward conv took the output back to the input (how TFLite computes it).
  const padsFor = (inSize: number, k: number, s: number, out: number): [number, number, number] => {
    const total = (inSize - 1) * s + k - out;
    if (padding === PADDING_VALID || total <= 0) return [0, 0, Math.max(-total, 0)];
    return [Math.floor(total / 2), total - Math.floor(total / 2), 0];
  };
  const [top, bottom, extraH] = padsFor(h, kh, strides[0], outH);
  const [left, right, extraW] = padsFor(w, kw, strides[1], outW);
  const iohw = transposeData(weight.data, weight.shape, [3, 0, 1, 2]);
  const inputs = [ctx.name(xIndex), ctx.g.addInitializer('deconv_w', toFloat(iohw), [c, outC, kh, kw])];
  if (ctx.hasInput(bIndex)) inputs.push(bias(ctx, bIndex, outC));
  const conv = ctx.g.add('ConvTranspose', inputs, {
    kernel_shape: [kh, kw],
    strides,
    pads: [top, left, bottom, right],
    output_padding: extraH || extraW ? [extraH, extraW] : undefined,
  });
  ctx.output(0, ctx.activation(conv, fused), [n, outH, outW, outC]);
}

function bias(ctx: ConvertContext, i: number, channels: number): string {
  const value = ctx.requireConst(i, 'bias');
  if (value.data.length !== channels)
    ctx.unsupported(`has ${value.data.length} bias values for ${channels} channels`);
  return weightValue(ctx, i, toFloat(value.data), [channels]);
}

function shape4(ctx: ConvertContext, i: number): number[] {
  const shape = ctx.shapeOf(i);
  if (shape.length !== 4) ctx.unsupported(`has a rank-${shape.length} input, expected NHWC`);
  return shape;
}

const toFloat = (data: Float32Array | Int32Array): Float32Array =>
  data instanceof Float32Array ? data : Float32Array.from(data);
