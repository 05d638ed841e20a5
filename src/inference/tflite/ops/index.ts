import { BuiltinOp } from '../builtin-ops.ts';
import type { ConvertContext } from '../context.ts';
import {
  convertConv2d,
  convertConvTransposeBias,
  convertDepthwiseConv2d,
  convertTransposeConv,
} from './conv.ts';
import { BINARY_OPS, convertBinary, convertUnary, UNARY_OPS } from './elementwise.ts';
import { convertPad } from './pad.ts';
import { convertMean, convertPool } from './pool.ts';
import { convertQuantize } from './quantize.ts';
import { convertResize } from './resize.ts';
import {
  convertConcatenation,
  convertPack,
  convertReshape,
  convertShape,
  convertStridedSlice,
} from './shape.ts';

export type Converter = (ctx: ConvertContext) => void;

/** Builtin operator code -> converter. Anything missing here is a MODEL_UNSUPPORTED_OP error. */
export const BUILTIN_CONVERTERS = new Map<number, Converter>([
  [BuiltinOp.CONV_2D, convertConv2d],
  [BuiltinOp.DEPTHWISE_CONV_2D, convertDepthwiseConv2d],
  [BuiltinOp.TRANSPOSE_CONV, convertTransposeConv],
  [BuiltinOp.AVERAGE_POOL_2D, convertPool(BuiltinOp.AVERAGE_POOL_2D)],
  [BuiltinOp.MAX_POOL_2D, convertPool(BuiltinOp.MAX_POOL_2D)],
  [BuiltinOp.MEAN, convertMean],
  [BuiltinOp.RESIZE_BILINEAR, convertResize(BuiltinOp.RESIZE_BILINEAR)],
  [BuiltinOp.RESIZE_NEAREST_NEIGHBOR, convertResize(BuiltinOp.RESIZE_NEAREST_NEIGHBOR)],
  [BuiltinOp.PAD, convertPad(BuiltinOp.PAD)],
  [BuiltinOp.PADV2, convertPad(BuiltinOp.PADV2)],
  [BuiltinOp.MIRROR_PAD, convertPad(BuiltinOp.MIRROR_PAD)],
  [BuiltinOp.QUANTIZE, convertQuantize(BuiltinOp.QUANTIZE)],
  [BuiltinOp.DEQUANTIZE, convertQuantize(BuiltinOp.DEQUANTIZE)],
  [BuiltinOp.SHAPE, convertShape],
  [BuiltinOp.STRIDED_SLICE, convertStridedSlice],
  [BuiltinOp.PACK, convertPack],
  [BuiltinOp.RESHAPE, convertReshape],
  [BuiltinOp.CONCATENATION, convertConcatenation],
  ...BINARY_OPS.map((code): [number, Converter] => [code, convertBinary(code)]),
  ...UNARY_OPS.map((code): [number, Converter] => [code, convertUnary(code)]),
]);

/** Custom operators by custom_code. */
export const CUSTOM_CONVERTERS = new Map<string, Converter>([
  // MediaPipe's transposed convolution with bias (selfie segmentation's decoder).
  ['Convolution2DTransposeBias', convertConvTransposeBias],
]);
