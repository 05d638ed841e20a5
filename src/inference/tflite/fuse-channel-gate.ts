import { BuiltinOp } from './builtin-ops.ts';
import type { GraphView } from './graph-view.ts';

/**
 * Finds squeeze-excitation gates: a MUL of a feature map [1, H, W, C] by a per-channel gate
 * [1, 1, 1, C] that a LOGISTIC produced (MediaPipe's selfie models have ten). ONNX Runtime's blocked
 * (NCHWc) CPU kernels run Mul only between equal shapes, so a broadcasting Mul costs two layout
 * reorders of the feature map around it, and the ops after it fall out of the blocked layout too.
 * The gate is therefore expanded to the map's size first (a nearest Resize, itself blocked): see
 * ops/channel-gate.ts. Selfie 256x256, one thread: 3.2 -> 2.8 ms of kernel time (26 -> 3 reorders).
 * Not applied to other per-channel products (the style transform's, from its style vector: no gain).
 */
export interface ChannelGateMatch {
  /** The MUL's input index (0 or 1) that is the gate. */
  gate: 0 | 1;
}

export function findChannelGates(view: GraphView): Map<number, ChannelGateMatch> {
  const matches = new Map<number, ChannelGateMatch>();
  const shape = (t: number) => view.subgraph.tensors[t]?.shape ?? [];
  for (const mul of view.subgraph.operators) {
    if (!view.is(mul, BuiltinOp.MUL) || mul.inputs.length !== 2) continue;
    const [a, b] = mul.inputs;
    if (view.isConst(a) || view.isConst(b)) continue;
    const [sa, sb] = [shape(a), shape(b)];
    if (sa.length !== 4 || sb.length !== 4 || sa[0] !== 1 || sb[0] !== 1 || sa[3] !== sb[3]) continue;
    const gateAt = (g: number[], map: number[]) => g[1] === 1 && g[2] === 1 && map[1] * map[2] > 1;
    const gate = gateAt(sb, sa) ? 1 : gateAt(sa, sb) ? 0 : undefined;
    if (gate === undefined) continue;
    if (!view.is(view.producerOf(view.source(mul.inputs[gate])), BuiltinOp.LOGISTIC)) continue;
    matches.set(mul.index, { gate });
  }
  return matches;
}
