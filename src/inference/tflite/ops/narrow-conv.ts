import type { ConvertContext } from '../context.ts';
import { emitPhasesToSpace, phaseChannel } from './phases.ts';

/**
 * A stride-1 convolution with very few output channels (the style transform's last 9x9 conv, 8 -> 3
 * channels at 384x384) wastes most of ONNX Runtime's blocked conv kernel, which pads output channels
 * to its 8/16-wide vector blocks. Computing it on a 2x2 space-to-depth of the input with a
 * rearranged kernel gives 4x the output channels at a quarter of the positions:
 *
 *   y = PhasesToSpace(Conv(SpaceToDepth(x), W'))   (see phases.ts)
 *   W'[o*4 + py*2+px][(sy*2+sx)*C + c][i][j] = W[o][c][2i+sy-py][2j+sx-px]  (0 outside the kernel)
 *
 * Same sums, same order of magnitude of work, a much better fit for the kernel.
 * Applies to odd kernels, no dilation, no padding and even input sizes.
 */
export interface NarrowConv {
  weight: Float32Array; // OIHW
  bias: Float32Array | undefined;
  outC: number;
  inC: number;
  kernel: [number, number];
}

export const NARROW_CONV_MAX_OUTPUTS = 4;

export function canUseSpaceToDepth(
  inShape: number[],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
  pads: number[],
  group: number,
  outC: number,
): boolean {
  const [, h, w] = inShape;
  return (
    outC <= NARROW_CONV_MAX_OUTPUTS &&
    group === 1 &&
    strides.every((s) => s === 1) &&
    dilations.every((d) => d === 1) &&
    pads.every((p) => p === 0) &&
    kernel.every((k) => k % 2 === 1 && k >= 5) &&
    h % 2 === 0 &&
    w % 2 === 0 &&
    h * w >= 128 * 128
  );
}

/** The conv's kernel and bias rearranged for a 2x2 space-to-depth input and phase outputs (see top). */
export function spaceToDepthKernel(conv: NarrowConv): {
  weight: Float32Array;
  bias?: Float32Array;
  kernel: [number, number];
} {
  const { weight, outC, inC, kernel } = conv;
  const [kh, kw] = kernel;
  const [kh2, kw2] = [(kh + 1) / 2, (kw + 1) / 2];
  const inC2 = 4 * inC;
  const w2 = new Float32Array(4 * outC * inC2 * kh2 * kw2);
  for (let py = 0; py < 2; py++)
    for (let px = 0; px < 2; px++)
      for (let o = 0; o < outC; o++)
        for (let sy = 0; sy < 2; sy++)
          for (let sx = 0; sx < 2; sx++)
            for (let c = 0; c < inC; c++)
              for (let i = 0; i < kh2; i++)
                for (let j = 0; j < kw2; j++) {
                  const [ky, kx] = [2 * i + sy - py, 2 * j + sx - px];
                  if (ky < 0 || ky >= kh || kx < 0 || kx >= kw) continue;
                  const o2 = phaseChannel(o, py * 2 + px);
                  const c2 = (sy * 2 + sx) * inC + c;
                  w2[((o2 * inC2 + c2) * kh2 + i) * kw2 + j] = weight[((o * inC + c) * kh + ky) * kw + kx];
                }
  const bias =
    conv.bias && Float32Array.from({ length: 4 * outC }, (_, k) => conv.bias?.[Math.floor(k / 4)] ?? 0);
  return { weight: w2, bias, kernel: [kh2, kw2] };
}

/** SpaceToDepth -> Conv: the conv's output as phases [N, 4*O, H/2, W/2] (NCHW). */
export function emitSpaceToDepthPhases(ctx: ConvertContext, input: string, conv: NarrowConv): string {
  const blocked = spaceToDepthKernel(conv);
  const inputs = [
    ctx.g.add('SpaceToDepth', [input], { blocksize: 2 }),
    ctx.g.addInitializer('s2d_conv_w', blocked.weight, [4 * conv.outC, 4 * conv.inC, ...blocked.kernel]),
  ];
  if (blocked.bias) inputs.push(ctx.g.addInitializer('s2d_conv_b', blocked.bias, [4 * conv.outC]));
  return ctx.g.add('Conv', inputs, { kernel_shape: blocked.kernel, pads: [0, 0, 0, 0] });
}

/** Emits SpaceToDepth -> Conv -> phases to space; returns the output name (NCHW). */
export function emitSpaceToDepthConv(ctx: ConvertContext, input: string, conv: NarrowConv): string {
  return emitPhasesToSpace(ctx, emitSpaceToDepthPhases(ctx, input, conv), conv.outC);
}
