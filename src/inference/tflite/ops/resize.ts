import { BuiltinOp } from '../builtin-ops.ts';
import type { ConvertContext } from '../context.ts';

/**
 * RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR with TFLite's coordinate conventions mapped onto ONNX Resize:
 * align_corners -> 'align_corners'; half_pixel_centers -> 'half_pixel' (bilinear) or
 * 'tf_half_pixel_for_nn' (nearest, floor); neither -> 'asymmetric' (nearest: floor).
 */
export function convertResize(code: number) {
  return (ctx: ConvertContext): void => {
    const bilinear = code === BuiltinOp.RESIZE_BILINEAR;
    const o = ctx.options;
    // ResizeBilinearOptions: new_height 0, new_width 1, align_corners 2, half_pixel_centers 3.
    // ResizeNearestNeighborOptions: align_corners 0, half_pixel_centers 1.
    const alignCorners = o?.bool(bilinear ? 2 : 0) ?? false;
    const halfPixel = o?.bool(bilinear ? 3 : 1) ?? false;
    const shape = ctx.shapeOf(0);
    if (shape.length !== 4) ctx.unsupported(`has a rank-${shape.length} input, expected NHWC`);
    const size = Array.from(ctx.requireConst(1, 'size').data);
    if (size.length !== 2) ctx.unsupported(`has size [${size}], expected [height, width]`);
    const [n, h, w, c] = shape;
    if (size[0] === h && size[1] === w) {
      // Every coordinate mode maps a same-size resize onto the identity (the transform has one).
      ctx.output(0, ctx.name(0), shape);
      return;
    }
    let coordinates = 'asymmetric';
    if (alignCorners) coordinates = 'align_corners';
    else if (halfPixel) coordinates = bilinear ? 'half_pixel' : 'tf_half_pixel_for_nn';
    const resized = ctx.g.add(
      'Resize',
      [ctx.name(0), '', '', ctx.g.addInt64s('sizes', [n, c, size[0], size[1]])],
      {
        mode: bilinear ? 'linear' : 'nearest',
        coordinate_transformation_mode: coordinates,
        nearest_mode: bilinear ? undefined : alignCorners ? 'round_prefer_ceil' : 'floor',
      },
    );
    ctx.output(0, resized, [n, size[0], size[1], c]);
  };
}
