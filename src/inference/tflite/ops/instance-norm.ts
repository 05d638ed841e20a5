import { float } from '../../onnx/graph-builder.ts';
import type { ConvertContext, Value } from '../context.ts';
import type { InstanceNormMatch } from '../fuse-instance-norm.ts';

/**
 * Emits one InstanceNormalization for a matched pattern (see fuse-instance-norm.ts), at the pattern's
 * final ADD (by then gamma and beta, computed from the style vector, exist). Its fused activation
 * is applied after.
 */
export function convertInstanceNorm(ctx: ConvertContext, match: InstanceNormMatch): void {
  const x = ctx.valueOf(match.x);
  const gamma = ctx.valueOf(match.gamma);
  const beta = ctx.valueOf(match.beta);
  if (!x || !gamma || !beta || x.kind !== 'tensor' || x.shape.length !== 4) {
    ctx.unsupported('ends an instance norm whose inputs are not available');
  }
  const channels = x.shape[3];
  const normalized = ctx.g.add(
    'InstanceNormalization',
    [ctx.onnxName(x), perChannel(ctx, gamma, channels), perChannel(ctx, beta, channels)],
    {
      epsilon: float(match.epsilon),
    },
  );
  ctx.output(0, ctx.activation(normalized, ctx.options?.int8(0) ?? 0), x.shape);
}

/** A [C] vector from a per-channel value ([C], [1,1,1,C] constant or tensor). */
function perChannel(ctx: ConvertContext, value: Value, channels: number): string {
  const size = value.shape.reduce((a, b) => a * b, 1);
  if (size !== channels)
    ctx.unsupported(`has an instance-norm parameter of shape [${value.shape}] for ${channels} channels`);
  if (value.kind === 'const') return ctx.constName({ ...value, shape: [channels] }, 1);
  return ctx.g.add('Reshape', [value.name, ctx.g.addInt64s('shape', [channels])]);
}
