import { BuiltinOp } from './builtin-ops.ts';
import type { GraphView } from './graph-view.ts';
import { PADDING_VALID } from './ops/padding.ts';

/**
 * Finds "narrow wide-kernel conv (stride 1, VALID) -> MIRROR_PAD REFLECT 1 -> 3x3 stride-2 conv" — the
 * style transform's first two layers (9x9, 3 -> 8 channels at 384x384, then 8 -> 16 at 192x192).
 * ONNX Runtime pads output channels to 16-wide blocks, so 8 outputs at full resolution waste half
 * the first conv. On a space-to-depth input it has 4x the outputs (one set per phase), and the
 * stride-2 conv reads those phases directly as a 2x2 conv: the full-resolution tensor is never built
 * (see ops/phase-downsample.ts).
 */
export interface PhaseDownsampleMatch {
  /** The wide first conv, the reflect pad and the stride-2 conv (which the match is keyed on). */
  first: number;
  pad: number;
  second: number;
  replaced: Set<number>;
}

/** At most this many outputs and inputs for the first conv: where the 16-wide blocks waste the most. */
const MAX_FIRST_OUTPUTS = 8;
const MAX_FIRST_INPUTS = 4;

export function findPhaseDownsamples(view: GraphView): Map<number, PhaseDownsampleMatch> {
  const matches = new Map<number, PhaseDownsampleMatch>();
  for (const first of view.subgraph.operators) {
    if (!view.is(first, BuiltinOp.CONV_2D) || !isPlainConv(view, first, 1)) continue;
    const inShape = view.subgraph.tensors[first.inputs[0]]?.shape ?? [];
    const weight = view.subgraph.tensors[view.constSource(first.inputs[1]) ?? -1]?.shape ?? [];
    const [outC, kh, kw, inC] = weight;
    if (inShape.length !== 4 || weight.length !== 4 || inShape[3] !== inC) continue;
    if (outC > MAX_FIRST_OUTPUTS || inC > MAX_FIRST_INPUTS || kh !== kw || kh % 2 === 0 || kh < 5) continue;
    const [outH, outW] = [inShape[1] - kh + 1, inShape[2] - kw + 1];
    if (inShape[1] % 2 || inShape[2] % 2 || outH % 2 || outW % 2 || outH < 4 || outW < 4) continue;
    const via = new Set<number>();
    const pad = view.only(first.outputs[0], via);
    if (!view.is(pad, BuiltinOp.MIRROR_PAD) || (pad.options?.int8(0) ?? 0) !== 0) continue;
    if ((view.ints(pad.inputs[1]) ?? []).join() !== '0,0,1,1,1,1,0,0') continue;
    const second = view.only(pad.outputs[0], via);
    if (!view.is(second, BuiltinOp.CONV_2D) || !isPlainConv(view, second, 2)) continue;
    const secondWeight = view.subgraph.tensors[view.constSource(second.inputs[1]) ?? -1]?.shape ?? [];
    if (secondWeight.join() !== [secondWeight[0], 3, 3, outC].join()) continue;
    via.add(first.index);
    via.add(pad.index);
    matches.set(second.index, { first: first.index, pad: pad.index, second: second.index, replaced: via });
  }
  return matches;
}

/** VALID padding, no dilation, the given stride both ways. */
function isPlainConv(
  view: GraphView,
  op: NonNullable<ReturnType<GraphView['only']>>,
  stride: number,
): boolean {
  const o = op.options;
  // Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w 4, dilation_h 5.
  const values = [o?.int32(1, 1), o?.int32(2, 1), o?.int32(4, 1), o?.int32(5, 1)];
  return (
    (o?.int8(0) ?? 0) === PADDING_VALID &&
    values[0] === stride &&
    values[1] === stride &&
    values[2] === 1 &&
    values[3] === 1 &&
    view.constSource(op.inputs[1]) !== undefined
  );
}
