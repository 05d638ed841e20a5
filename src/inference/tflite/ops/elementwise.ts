import { BuiltinOp } from '../builtin-ops.ts';
import type { ConvertContext } from '../context.ts';
import { broadcastBinary, broadcastShapes, type ConstData } from '../tensor-data.ts';

type Binary = { onnx: string; fold: (x: number, y: number) => number; fusedField?: number };

/** Binary ops; fusedField = index of fused_activation_function in the op's options table. */
const BINARY: Record<number, Binary> = {
  [BuiltinOp.ADD]: { onnx: 'Add', fold: (x, y) => x + y, fusedField: 0 },
  [BuiltinOp.SUB]: { onnx: 'Sub', fold: (x, y) => x - y, fusedField: 0 },
  [BuiltinOp.MUL]: { onnx: 'Mul', fold: (x, y) => x * y, fusedField: 0 },
  [BuiltinOp.DIV]: { onnx: 'Div', fold: (x, y) => x / y, fusedField: 0 },
  [BuiltinOp.MAXIMUM]: { onnx: 'Max', fold: Math.max },
  [BuiltinOp.MINIMUM]: { onnx: 'Min', fold: Math.min },
  [BuiltinOp.SQUARED_DIFFERENCE]: { onnx: 'SquaredDifference', fold: (x, y) => (x - y) * (x - y) },
};

export const BINARY_OPS = Object.keys(BINARY).map(Number);

export function convertBinary(code: number) {
  const spec = BINARY[code];
  return (ctx: ConvertContext): void => {
    const [a, b] = [ctx.input(0), ctx.input(1)];
    const shape = broadcastShapes(a.shape, b.shape);
    if (!shape) ctx.unsupported(`cannot broadcast [${a.shape}] with [${b.shape}]`);
    const fused = spec.fusedField === undefined ? 0 : (ctx.options?.int8(spec.fusedField) ?? 0);
    if (a.kind === 'const' && b.kind === 'const' && fused === 0) {
      const asInt = a.data instanceof Int32Array && b.data instanceof Int32Array;
      const fold = code === BuiltinOp.DIV && asInt ? (x: number, y: number) => Math.trunc(x / y) : spec.fold;
      ctx.outputConst(0, broadcastBinary(a.data, a.shape, b.data, b.shape, shape, fold, asInt), shape);
      return;
    }
    const rank = shape.length;
    const [x, y] = [ctx.name(0, rank), ctx.name(1, rank)];
    let result: string;
    if (spec.onnx === 'SquaredDifference') {
      const diff = ctx.g.add('Sub', [x, y]);
      result = ctx.g.add('Mul', [diff, diff]);
    } else {
      result = ctx.g.add(spec.onnx, [x, y]);
    }
    ctx.output(0, ctx.activation(result, fused), shape);
  };
}

type Unary = { emit: (ctx: ConvertContext, x: string) => string; fold?: (x: number) => number };

const UNARY: Record<number, Unary> = {
  [BuiltinOp.LOGISTIC]: { emit: (c, x) => c.g.add('Sigmoid', [x]), fold: (x) => 1 / (1 + Math.exp(-x)) },
  [BuiltinOp.TANH]: { emit: (c, x) => c.g.add('Tanh', [x]), fold: Math.tanh },
  [BuiltinOp.RELU]: { emit: (c, x) => c.g.add('Relu', [x]), fold: (x) => Math.max(x, 0) },
  [BuiltinOp.RELU6]: { emit: (c, x) => c.clip(x, 0, 6), fold: (x) => Math.min(Math.max(x, 0), 6) },
  [BuiltinOp.RELU_N1_TO_1]: { emit: (c, x) => c.clip(x, -1, 1), fold: (x) => Math.min(Math.max(x, -1), 1) },
  [BuiltinOp.HARD_SWISH]: { emit: (c, x) => c.g.add('HardSwish', [x]) },
  [BuiltinOp.EXP]: { emit: (c, x) => c.g.add('Exp', [x]), fold: Math.exp },
  [BuiltinOp.SQRT]: { emit: (c, x) => c.g.add('Sqrt', [x]), fold: Math.sqrt },
  [BuiltinOp.RSQRT]: {
    emit: (c, x) => c.g.add('Reciprocal', [c.g.add('Sqrt', [x])]),
    fold: (x) => 1 / Math.sqrt(x),
  },
  [BuiltinOp.SQUARE]: { emit: (c, x) => c.g.add('Mul', [x, x]), fold: (x) => x * x },
};

export const UNARY_OPS = Object.keys(UNARY).map(Number);

export function convertUnary(code: number) {
  const spec = UNARY[code];
  return (ctx: ConvertContext): void => {
    const x = ctx.input(0);
    if (x.kind === 'const' && spec.fold) {
      ctx.outputConst(0, mapData(x.data, spec.fold), x.shape);
      return;
    }
    ctx.output(0, spec.emit(ctx, ctx.name(0)), x.shape);
  };
}

const mapData = (data: ConstData, fn: (x: number) => number): Float32Array => Float32Array.from(data, fn);
