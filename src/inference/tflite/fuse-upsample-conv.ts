import { BuiltinOp } from './builtin-ops.ts';
import type { GraphView } from './graph-view.ts';
import { PADDING_VALID } from './ops/padding.ts';

/**
 * Finds the decoder's "upsample 2x (nearest) -> MIRROR_PAD 1 (REFLECT) -> 3x3 VALID conv" (Magenta's
 * style transform expands this way). The conv can run at the low resolution instead, with 4x the
 * output channels (one set per output phase) on an edge-padded input, then DepthToSpace — no
 * upsampled or padded copy of the big tensor is ever written (see ops/upsample-conv.ts).
 */
export interface UpsampleConvMatch {
  conv: number;
  /** The tensor before the upsample. */
  x: number;
  replaced: Set<number>;
}

export function findUpsampleConvs(view: GraphView): Map<number, UpsampleConvMatch> {
  const matches = new Map<number, UpsampleConvMatch>();
  for (const resize of view.subgraph.operators) {
    if (!view.is(resize, BuiltinOp.RESIZE_NEAREST_NEIGHBOR) || resize.options?.bool(0)) continue; // align_corners
    const x = view.source(resize.inputs[0]);
    const inShape = view.subgraph.tensors[x]?.shape ?? [];
    const size = view.ints(resize.inputs[1]) ?? [];
    if (inShape.length !== 4 || size[0] !== 2 * inShape[1] || size[1] !== 2 * inShape[2]) continue;
    const via = new Set<number>();
    const pad = view.only(resize.outputs[0], via);
    if (!view.is(pad, BuiltinOp.MIRROR_PAD) || (pad.options?.int8(0) ?? 0) !== 0) continue;
    if ((view.ints(pad.inputs[1]) ?? []).join() !== '0,0,1,1,1,1,0,0') continue;
    const conv = view.only(pad.outputs[0], via);
    if (!view.is(conv, BuiltinOp.CONV_2D)) continue;
    const o = conv.options;
    const strides = [o?.int32(1, 1), o?.int32(2, 1), o?.int32(4, 1), o?.int32(5, 1)];
    const weight = view.subgraph.tensors[view.constSource(conv.inputs[1]) ?? -1];
    if ((o?.int8(0) ?? 0) !== PADDING_VALID || strides.some((s) => s !== 1)) continue;
    if (weight?.shape[1] !== 3 || weight.shape[2] !== 3 || weight.shape[3] !== inShape[3]) continue;
    via.add(resize.index);
    via.add(pad.index);
    matches.set(conv.index, { conv: conv.index, x, replaced: via });
  }
  return matches;
}
