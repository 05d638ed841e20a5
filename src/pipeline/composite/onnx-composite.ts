import { OnnxGraphBuilder } from '../../inference/onnx/graph-builder.ts';

/**
 * The compositing step as a small ONNX graph (for the measurement that chose the worker pool, and for
 * GPU providers later): rgb [1,3,H,W] (0..255), guided coefficients A, B [1,1,gh,gw] and a background
 * [1,3,bh,bw] -> out = bg + (rgb - bg) * clip(A * luma + B, 0, 1), with A, B and the background
 * stretched bilinearly to H x W (Resize, half-pixel centres: the same sampling as kernels.ts).
 */
export function buildCompositeGraph(
  width: number,
  height: number,
  grid: { width: number; height: number },
  background: { width: number; height: number },
): Uint8Array {
  const g = new OnnxGraphBuilder({ name: 'stylecast-composite', producer: 'stylecast' });
  const rgb = g.addInput('rgb', [1, 3, height, width]);
  const a = g.addInput('coeff_a', [1, 1, grid.height, grid.width]);
  const b = g.addInput('coeff_b', [1, 1, grid.height, grid.width]);
  const bg = g.addInput('background', [1, 3, background.height, background.width]);
  const stretch = (x: string, channels: number) =>
    g.add('Resize', [x, '', '', g.addInt64s(g.unique('sizes'), [1, channels, height, width])], {
      mode: 'linear',
      coordinate_transformation_mode: 'half_pixel',
    });
  const lumaWeights = g.addInitializer(
    'luma_weights',
    Float32Array.from([0.299 / 255, 0.587 / 255, 0.114 / 255]),
    [1, 3, 1, 1],
  );
  const luma = g.add('Conv', [rgb, lumaWeights]);
  const q = g.add('Add', [g.add('Mul', [stretch(a, 1), luma]), stretch(b, 1)]);
  const alpha = g.add('Clip', [q, g.addFloats('zero', [0], []), g.addFloats('one', [1], [])]);
  const bgFull = stretch(bg, 3);
  const out = g.add('Add', [bgFull, g.add('Mul', [g.add('Sub', [rgb, bgFull]), alpha])]);
  g.addNode('Identity', [out], ['out']);
  g.addOutput('out', [1, 3, height, width]);
  return g.toBytes();
}
