import { ScratchPlanes } from './scratch.ts';

/**
 * Small-island removal on a binary mask (1 = person): person blobs smaller than `minArea` pixels are
 * cleared and background holes smaller than `minArea` that do not touch the border are filled.
 * 4-connectivity, iterative flood fill (no recursion), in place. Returns how many pixels changed.
 */
export function removeSmallIslands(
  mask: Uint8Array,
  width: number,
  height: number,
  minArea: number,
  scratch = new ScratchPlanes(),
): number {
  if (minArea <= 1) return 0;
  const n = width * height;
  const labels = scratch.int('islands.labels', n).fill(-1);
  const stack = scratch.int('islands.stack', n);
  const members = scratch.int('islands.members', n);
  let changed = 0;
  for (let start = 0; start < mask.length; start++) {
    if (labels[start] !== -1) continue;
    const value = mask[start];
    let top = 0;
    let count = 0;
    let touchesBorder = false;
    stack[top++] = start;
    labels[start] = 1;
    while (top > 0) {
      const p = stack[--top];
      members[count++] = p;
      const x = p % width;
      const y = (p - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) touchesBorder = true;
      if (x > 0 && labels[p - 1] === -1 && mask[p - 1] === value) {
        labels[p - 1] = 1;
        stack[top++] = p - 1;
      }
      if (x < width - 1 && labels[p + 1] === -1 && mask[p + 1] === value) {
        labels[p + 1] = 1;
        stack[top++] = p + 1;
      }
      if (y > 0 && labels[p - width] === -1 && mask[p - width] === value) {
        labels[p - width] = 1;
        stack[top++] = p - width;
      }
      if (y < height - 1 && labels[p + width] === -1 && mask[p + width] === value) {
        labels[p + width] = 1;
        stack[top++] = p + width;
      }
    }
    const small = count < minArea;
    const flip = value === 1 ? small : small && !touchesBorder;
    if (flip) {
      for (let i = 0; i < count; i++) mask[members[i]] = value === 1 ? 0 : 1;
      changed += count;
    }
  }
  return changed;
}
