/** schema.fbs `enum BuiltinOperator` (the codes the importer names or converts). */
export const BuiltinOp = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU_N1_TO_1: 20,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  SOFTMAX: 25,
  TANH: 28,
  CUSTOM: 32,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  DIV: 42,
  SQUEEZE: 43,
  STRIDED_SLICE: 45,
  EXP: 47,
  CAST: 53,
  MAXIMUM: 55,
  ARG_MAX: 56,
  MINIMUM: 57,
  PADV2: 60,
  TRANSPOSE_CONV: 67,
  SQRT: 75,
  RSQRT: 76,
  SHAPE: 77,
  PACK: 83,
  SQUARE: 92,
  RESIZE_NEAREST_NEIGHBOR: 97,
  LEAKY_RELU: 98,
  SQUARED_DIFFERENCE: 99,
  MIRROR_PAD: 100,
  QUANTIZE: 114,
  HARD_SWISH: 117,
} as const;

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(BuiltinOp).map(([name, code]) => [code, name]),
);

/** A readable name for an operator code, for errors ("CUSTOM:Foo", "BUILTIN_123" when unknown here). */
export function operatorName(builtin: number, custom?: string): string {
  if (builtin === BuiltinOp.CUSTOM) return `CUSTOM:${custom ?? '?'}`;
  return NAMES[builtin] ?? `BUILTIN_${builtin}`;
}
