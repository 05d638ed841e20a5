import { BuiltinOp } from './builtin-ops.ts';
import type { GraphView } from './graph-view.ts';
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

export function findInstanceNorms(view: GraphView): Map<number, InstanceNormMatch> {
  const { model, subgraph } = view;
  const isSpatialMean = (op: TfliteOperator | undefined): op is TfliteOperator => {
    if (!view.is(op, BuiltinOp.MEAN)) return false;
    const axes = view.ints(op.inputs[1]);
    return axes?.length === 2 && axes[0] === 1 && axes[1] === 2 && op.options?.bool(0) === true;
  };
  const noActivation = (op: TfliteOperator) => (op.options?.int8(0) ?? 0) === 0;

  const matches = new Map<number, InstanceNormMatch>();
  for (const mean of subgraph.operators) {
    if (!isSpatialMean(mean)) continue;
    const via = new Set<number>();
    const x = view.source(mean.inputs[0]);
    const m = mean.outputs[0];
    const meanUses = view.usesOf(m, via);
    const sqd = meanUses.find((op) => view.is(op, BuiltinOp.SQUARED_DIFFERENCE));
    const mul2 = meanUses.find((op) => view.is(op, BuiltinOp.MUL));
    if (meanUses.length !== 2 || !sqd || !mul2 || view.isGraphOutput(m)) continue;
    const centered = view.other(sqd, m);
    if (centered === undefined || view.source(centered) !== x) continue;
    const variance = view.only(sqd.outputs[0], via);
    if (!isSpatialMean(variance)) continue;
    const addEps = view.only(variance.outputs[0], via);
    if (!view.is(addEps, BuiltinOp.ADD) || !noActivation(addEps)) continue;
    const epsTensor = view.constSource(view.other(addEps, variance.outputs[0]));
    if (epsTensor === undefined) continue;
    const rsqrt = view.only(addEps.outputs[0], via);
    if (!view.is(rsqrt, BuiltinOp.RSQRT)) continue;
    const scale = view.only(rsqrt.outputs[0], via);
    if (!view.is(scale, BuiltinOp.MUL) || !noActivation(scale)) continue;
    const gamma = view.other(scale, rsqrt.outputs[0]);
    const scaleUses = view.usesOf(scale.outputs[0], via);
    const mul1 = scaleUses.find((op) => op !== mul2 && view.is(op, BuiltinOp.MUL));
    if (gamma === undefined || scaleUses.length !== 2 || !scaleUses.includes(mul2) || !mul1) continue;
    if (view.source(view.other(mul1, scale.outputs[0]) ?? -1) !== x) continue;
    if (view.source(view.other(mul2, scale.outputs[0]) ?? -1) !== m) continue;
    const sub = view.only(mul2.outputs[0], via);
    if (!view.is(sub, BuiltinOp.SUB) || view.source(sub.inputs[1]) !== mul2.outputs[0]) continue;
    const final = view.only(mul1.outputs[0], via);
    if (!view.is(final, BuiltinOp.ADD) || view.only(sub.outputs[0], via) !== final) continue;
    for (const op of [mean, sqd, variance, addEps, rsqrt, scale, mul1, mul2, sub]) via.add(op.index);
    matches.set(final.index, {
      finalOp: final.index,
      x,
      gamma: view.source(gamma),
      beta: view.source(sub.inputs[0]),
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
