import type { ConvertContext } from '../context.ts';
import type { ChannelGateMatch } from '../fuse-channel-gate.ts';

/** A squeeze-excitation MUL (fuse-channel-gate.ts): the gate expanded to the map's size, then Mul. */
export function convertChannelGate(ctx: ConvertContext, match: ChannelGateMatch): void {
  const map = 1 - match.gate;
  const [n, h, w, c] = ctx.shapeOf(map);
  // Nearest from 1x1: every coordinate mode gives the same copy of the gate at each position.
  const expanded = ctx.g.add(
    'Resize',
    [ctx.name(match.gate), '', '', ctx.g.addInt64s('sizes', [n, c, h, w])],
    { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
  );
  const product = ctx.g.add('Mul', [ctx.name(map), expanded]);
  ctx.output(0, ctx.activation(product, ctx.options?.int8(0) ?? 0), [n, h, w, c]);
}
