import { BuiltinOp } from '../builtin-ops.ts';
import { type ConvertContext, NHWC_TO_NCHW } from '../context.ts';

/** PAD / PADV2 (constant) and MIRROR_PAD (MirrorPadOptions mode 0: REFLECT = 0, SYMMETRIC = 1). */
export function convertPad(code: number) {
  return (ctx: ConvertContext): void => {
    const shape = ctx.shapeOf(0);
    const rank = shape.length;
    const paddings = Array.from(ctx.requireConst(1, 'paddings').data);
    if (paddings.length !== 2 * rank)
      ctx.unsupported(`has ${paddings.length} padding values for rank ${rank}`);
    let mode = 'constant';
    if (code === BuiltinOp.MIRROR_PAD) {
      const tfMode = ctx.options?.int8(0) ?? 0;
      // ONNX 'reflect' excludes the edge like TFLite REFLECT; SYMMETRIC (edge repeated) has no ONNX mode.
      if (tfMode !== 0) ctx.unsupported('uses SYMMETRIC mirror padding');
      mode = 'reflect';
    }
    const order = rank === 4 ? NHWC_TO_NCHW : shape.map((_, k) => k);
    const begins = order.map((axis) => paddings[2 * axis]);
    const ends = order.map((axis) => paddings[2 * axis + 1]);
    const inputs = [ctx.name(0), ctx.g.addInt64s('pads', [...begins, ...ends])];
    if (code === BuiltinOp.PADV2 && ctx.hasInput(2)) {
      const fill = ctx.requireConst(2, 'pad value').data;
      inputs.push(ctx.scalar(fill[0]));
    }
    const outShape = shape.map((d, k) => d + paddings[2 * k] + paddings[2 * k + 1]);
    ctx.output(0, ctx.g.add('Pad', inputs, { mode }), outShape);
  };
}
