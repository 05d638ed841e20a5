import { BuiltinOp } from './builtin-ops.ts';
import type { TfliteModel, TfliteOperator, TfliteSubgraph } from './schema.ts';
import { halfToFloat } from './tensor-data.ts';

/**
 * Finds the instance-normalisation pattern TF exports for (conditional) instance norm:
 *
 *   m = MEAN(x, [1,2]); v = MEAN(SQUARED_DIFFERENCE(x, m), [1,2]); r = RSQRT(ADD(v, eps))
 *   g = MUL(r, gamma);  y = ADD(MUL(x, g), SUB(beta, MUL(m, g)))
 *
 * which is InstanceNormalization(x, gamma, beta, eps) — one ONNX node instead of ten elementwise
 * passes over the activations (the style transform spends most of its non-conv time there).
 * QUANTIZE/DEQUANTIZE on activations are looked through when activations are computed in float.
 */

export interface InstanceNormMatch {
  /** The final ADD: the fused node is emitted when the conversion reaches it. */
  finalOp: number;
  x: number;
  gamma: number;
  beta: number;
  epsilon: number;
  /** Every operator the fused node replaces (except finalOp). */
  replaced: Set<number>;
}

export function findInstanceNorms(
  model: TfliteModel,
  subgraph: TfliteSubgraph,
  lookThroughQuantize: boolean,
): Map<number, InstanceNormMatch> {
  const code = (op: TfliteOperator) => model.operatorCodes[op.opcodeIndex]?.builtin ?? -1;
  const producer = new Map<number, TfliteOperator>();
  const consumers = new Map<number, TfliteOperator[]>();
  for (const op of subgraph.operators) {
    for (const t of op.outputs) producer.set(t, op);
    for (const t of op.inputs) if (t >= 0) consumers.set(t, [...(consumers.get(t) ?? []), op]);
  }
  const isConst = (t: number) => (model.buffers[subgraph.tensors[t]?.buffer ?? 0]?.length ?? 0) > 0;
  const passThrough = (op: TfliteOperator | undefined): op is TfliteOperator =>
    !!op &&
    lookThroughQuantize &&
    (code(op) === BuiltinOp.QUANTIZE || code(op) === BuiltinOp.DEQUANTIZE) &&
    !isConst(op.inputs[0]);
  /** The tensor behind any chain of activation QUANTIZE/DEQUANTIZE. */
  const source = (t: number): number => {
    let op = producer.get(t);
    while (passThrough(op)) {
      t = op.inputs[0];
      op = producer.get(t);
    }
    return t;
  };
  /** Real consumers of t (through pass-through ops, which are collected into `via`). */
  const usesOf = (t: number, via: Set<number>): TfliteOperator[] =>
    (consumers.get(t) ?? []).flatMap((op) => {
      if (!passThrough(op)) return [op];
      via.add(op.index);
      return usesOf(op.outputs[0], via);
    });
  const graphOutputs = new Set(subgraph.outputs);
  const only = (t: number, via: Set<number>): TfliteOperator | undefined => {
    const uses = usesOf(t, via);
    return uses.length === 1 && !graphOutputs.has(t) ? uses[0] : undefined;
  };
  const isSpatialMean = (op: TfliteOperator | undefined): op is TfliteOperator => {
    if (!op || code(op) !== BuiltinOp.MEAN || !isConst(op.inputs[1])) return false;
    const axes = subgraph.tensors[op.inputs[1]];
    const bytes = model.buffers[axes.buffer];
    if (bytes.length !== 8) return false;
    const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
    return view.getInt32(0, true) === 1 && view.getInt32(4, true) === 2 && op.options?.bool(0) === true;
  };
  /** A constant, or the constant behind a DEQUANTIZE (fp16 weights). */
  const constSource = (t: number | undefined): number | undefined => {
    if (t === undefined) return undefined;
    if (isConst(t)) return t;
    const op = producer.get(t);
    return op && code(op) === BuiltinOp.DEQUANTIZE && isConst(op.inputs[0]) ? op.inputs[0] : undefined;
  };
  const other = (op: TfliteOperator, t: number): number | undefined => {
    const [a, b] = op.inputs.map(source);
    if (a === t) return op.inputs[1];
    if (b === t) return op.inputs[0];
    return undefined;
  };
  const is = (op: TfliteOperator | undefined, builtin: number): op is TfliteOperator =>
    !!op && code(op) === builtin;

  const matches = new Map<number, InstanceNormMatch>();
  for (const mean of subgraph.operators) {
    if (!isSpatialMean(mean)) continue;
    const via = new Set<number>();
    const x = source(mean.inputs[0]);
    const m = mean.outputs[0];
    const meanUses = usesOf(m, via);
    const sqd = meanUses.find((op) => is(op, BuiltinOp.SQUARED_DIFFERENCE));
    const mul2 = meanUses.find((op) => is(op, BuiltinOp.MUL));
    if (meanUses.length !== 2 || !sqd || !mul2 || graphOutputs.has(m)) continue;
    if (other(sqd, m) === undefined || source(other(sqd, m)!) !== x) continue;
    const variance = only(sqd.outputs[0], via);
    if (!isSpatialMean(variance)) continue;
    const addEps = only(variance.outputs[0], via);
    if (!is(addEps, BuiltinOp.ADD) || (addEps.options?.int8(0) ?? 0) !== 0) continue;
    const epsTensor = constSource(other(addEps, variance.outputs[0]));
    if (epsTensor === undefined) continue;
    const rsqrt = only(addEps.outputs[0], via);
    if (!is(rsqrt, BuiltinOp.RSQRT)) continue;
    const scale = only(rsqrt.outputs[0], via);
    if (!is(scale, BuiltinOp.MUL) || (scale.options?.int8(0) ?? 0) !== 0) continue;
    const gamma = other(scale, rsqrt.outputs[0]);
    const scaleUses = usesOf(scale.outputs[0], via);
    const mul1 = scaleUses.find((op) => op !== mul2 && is(op, BuiltinOp.MUL));
    if (gamma === undefined || scaleUses.length !== 2 || !scaleUses.includes(mul2) || !mul1) continue;
    if (source(other(mul1, scale.outputs[0]) ?? -1) !== x) continue;
    if (source(other(mul2, scale.outputs[0]) ?? -1) !== m) continue;
    const sub = only(mul2.outputs[0], via);
    if (!is(sub, BuiltinOp.SUB) || source(sub.inputs[1]) !== mul2.outputs[0]) continue;
    const final = only(mul1.outputs[0], via);
    if (!is(final, BuiltinOp.ADD) || only(sub.outputs[0], via) !== final) continue;
    for (const op of [mean, sqd, variance, addEps, rsqrt, scale, mul1, mul2, sub]) via.add(op.index);
    matches.set(final.index, {
      finalOp: final.index,
      x,
      gamma: source(gamma),
      beta: source(sub.inputs[0]),
      epsilon: readScalar(model, subgraph, epsTensor),
      replaced: via,
    });
  }
  return matches;
}

function readScalar(model: TfliteModel, subgraph: TfliteSubgraph, t: number): number {
  const tensor = subgraph.tensors[t];
  const bytes = model.buffers[tensor.buffer];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = tensor.quantization;
  switch (tensor.type) {
    case 0:
      return view.getFloat32(0, true);
    case 1:
      return halfToFloat(view.getUint16(0, true));
    case 9:
      return (view.getInt8(0) - (q?.zeroPoint[0] ?? 0)) * (q?.scale[0] ?? 1);
    case 3:
      return (view.getUint8(0) - (q?.zeroPoint[0] ?? 0)) * (q?.scale[0] ?? 1);
    default:
      return Number.NaN;
  }
}
