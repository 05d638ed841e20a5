import { ScratchPlanes } from './scratch.ts';

/**
 * Small-island removal on a binary mask (1 = person): person blobs smaller than `minArea` pixels are
 * cleared and background holes smaller than `minArea` that do not touch the border are filled.
 * 4-connectivity, in place. Returns how many pixels changed.
 *
 * Components are found on runs (row spans of one value) joined by union-find where runs of adjacent
 * rows overlap: a mask has a few runs per row, so this touches each pixel once to find runs and once
 * more only where it flips (a per-pixel flood fill took 0.43 ms on the 256x144 grid; this ~0.1 ms).
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
  // Per run: absolute [start, end) in the mask, union-find parent, then its component's area and border.
  const start = scratch.int('islands.start', n);
  const end = scratch.int('islands.end', n);
  const parent = scratch.int('islands.parent', n);
  const area = scratch.int('islands.area', n);
  const border = scratch.bytes('islands.border', n);
  const find = (run: number): number => {
    while (parent[run] !== run) {
      parent[run] = parent[parent[run]]; // path halving
      run = parent[run];
    }
    return run;
  };
  let runs = 0;
  let previousFirst = 0;
  for (let y = 0; y < height; y++) {
    const rowStart = y * width;
    const rowEnd = rowStart + width;
    const first = runs;
    for (let i = rowStart; i < rowEnd; ) {
      const value = mask[i];
      const s = i;
      while (i < rowEnd && mask[i] === value) i++;
      start[runs] = s;
      end[runs] = i;
      parent[runs] = runs;
      area[runs] = 0;
      border[runs] = y === 0 || y === height - 1 || s === rowStart || i === rowEnd ? 1 : 0;
      runs++;
    }
    // Join runs of the same value that overlap the row above (columns: shift the row above by width).
    for (let above = previousFirst, here = first; above < first && here < runs; ) {
      const aboveEnd = end[above] + width;
      if (
        start[above] + width < end[here] &&
        start[here] < aboveEnd &&
        mask[start[here]] === mask[start[above]]
      ) {
        const a = find(above);
        const b = find(here);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
      if (aboveEnd <= end[here]) above++;
      else here++;
    }
    previousFirst = first;
  }
  for (let run = 0; run < runs; run++) {
    const root = find(run);
    area[root] += end[run] - start[run];
    if (border[run]) border[root] = 1;
  }
  let changed = 0;
  for (let run = 0; run < runs; run++) {
    const root = find(run);
    const value = mask[start[run]];
    const small = area[root] < minArea;
    if (value === 1 ? small : small && !border[root]) {
      mask.fill(value === 1 ? 0 : 1, start[run], end[run]);
      changed += end[run] - start[run];
    }
  }
  return changed;
}
