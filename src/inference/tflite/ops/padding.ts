/** TFLite's `enum Padding`: SAME = 0, VALID = 1. */
export const PADDING_SAME = 0;
export const PADDING_VALID = 1;

export interface SpatialPadding {
  out: number;
  before: number;
  after: number;
}

/**
 * Output size and explicit pads of one spatial axis. TFLite SAME pads floor(total/2) before and the
 * rest after, so an even kernel or a stride that does not divide the input pads asymmetrically.
 */
export function convPadding(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: number,
): SpatialPadding | undefined {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === PADDING_VALID) {
    return { out: Math.floor((size - effective) / stride) + 1, before: 0, after: 0 };
  }
  if (padding !== PADDING_SAME) return undefined;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}
