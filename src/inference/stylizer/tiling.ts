import type { Rect } from './preprocess.ts';

/**
 * How a frame of any aspect is covered by the transform's fixed 384x384 input without squashing:
 * the frame is scaled (uniformly) so its short side spans `detail` tiles, and the long side is covered by
 * overlapping tiles whose outputs are cross-faded with linear ramps over the overlap (weights normalised,
 * so the ramps sum to one everywhere and no seam is left). Pure geometry; unit-tested.
 */

export const TILE = 384;
/** Smallest overlap between neighbouring tiles (work pixels): wide enough to hide the seam's tone change. */
export const MIN_OVERLAP = 64;

export interface TilePlan {
  /** The frame is resampled to this size ("work" resolution). */
  workWidth: number;
  workHeight: number;
  /** Top-left corners of the tiles in work pixels (may be negative for a letterbox plan). */
  tiles: { x: number; y: number }[];
  /** Per-axis cross-fade weights for each tile, TILE long. */
  weightsX: Float32Array[];
  weightsY: Float32Array[];
}

function axisPositions(length: number, tile: number, minOverlap: number): number[] {
  if (length <= tile) return [Math.round((length - tile) / 2)];
  const count = Math.ceil((length - minOverlap) / (tile - minOverlap));
  const positions: number[] = [];
  for (let i = 0; i < count; i++) positions.push(Math.round((i * (length - tile)) / (count - 1)));
  return positions;
}

/** Linear ramps where a tile overlaps its neighbours; flat 1 elsewhere (and at the frame edge). */
function axisWeights(positions: number[], tile: number): Float32Array[] {
  return positions.map((start, i) => {
    const weights = new Float32Array(tile).fill(1);
    const before = i > 0 ? positions[i - 1] + tile - start : 0;
    const after = i < positions.length - 1 ? start + tile - positions[i + 1] : 0;
    for (let t = 0; t < tile; t++) {
      let w = 1;
      if (before > 0 && t < before) w = Math.min(w, (t + 0.5) / before);
      if (after > 0 && t >= tile - after) w = Math.min(w, (tile - t - 0.5) / after);
      weights[t] = w;
    }
    return weights;
  });
}

/** Tiles for `detail` tiles across the short side (1 = the short side is one tile). */
export function planTiles(width: number, height: number, detail = 1, minOverlap = MIN_OVERLAP): TilePlan {
  const short = TILE + (detail - 1) * (TILE - minOverlap);
  const scale = short / Math.min(width, height);
  const workWidth = Math.max(1, Math.round(width * scale));
  const workHeight = Math.max(1, Math.round(height * scale));
  return planFromAxes(workWidth, workHeight, minOverlap);
}

/**
 * One tile for the whole frame: the long side is fitted to 384 and the short side edge-padded
 * (less detail, one transform): used for the first frame after a style switch.
 */
export function planSingleTile(width: number, height: number): TilePlan {
  const scale = TILE / Math.max(width, height);
  return planFromAxes(
    Math.max(1, Math.round(width * scale)),
    Math.max(1, Math.round(height * scale)),
    MIN_OVERLAP,
  );
}

function planFromAxes(workWidth: number, workHeight: number, minOverlap: number): TilePlan {
  const xs = axisPositions(workWidth, TILE, minOverlap);
  const ys = axisPositions(workHeight, TILE, minOverlap);
  const wx = axisWeights(xs, TILE);
  const wy = axisWeights(ys, TILE);
  const tiles: { x: number; y: number }[] = [];
  const weightsX: Float32Array[] = [];
  const weightsY: Float32Array[] = [];
  ys.forEach((y, j) => {
    xs.forEach((x, i) => {
      tiles.push({ x, y });
      weightsX.push(wx[i]);
      weightsY.push(wy[j]);
    });
  });
  return { workWidth, workHeight, tiles, weightsX, weightsY };
}

/** The frame rectangle (source pixels) a tile reads; may extend past the frame (edges are clamped). */
export function tileSourceRect(plan: TilePlan, index: number, frameWidth: number, frameHeight: number): Rect {
  const sx = frameWidth / plan.workWidth;
  const sy = frameHeight / plan.workHeight;
  const { x, y } = plan.tiles[index];
  return { x: x * sx, y: y * sy, width: TILE * sx, height: TILE * sy };
}

/** Accumulates tile outputs (NHWC RGB floats, TILE x TILE) into a work-resolution image. */
export class TileAccumulator {
  readonly sum: Float32Array;
  readonly weight: Float32Array;

  constructor(readonly plan: TilePlan) {
    this.sum = new Float32Array(plan.workWidth * plan.workHeight * 3);
    this.weight = new Float32Array(plan.workWidth * plan.workHeight);
  }

  add(index: number, output: Float32Array): void {
    const { workWidth, workHeight } = this.plan;
    const { x: tx, y: ty } = this.plan.tiles[index];
    const wx = this.plan.weightsX[index];
    const wy = this.plan.weightsY[index];
    const y0 = Math.max(0, ty);
    const y1 = Math.min(workHeight, ty + TILE);
    const x0 = Math.max(0, tx);
    const x1 = Math.min(workWidth, tx + TILE);
    for (let y = y0; y < y1; y++) {
      const wRow = wy[y - ty];
      for (let x = x0; x < x1; x++) {
        const w = wRow * wx[x - tx];
        const src = ((y - ty) * TILE + (x - tx)) * 3;
        const dst = y * workWidth + x;
        this.sum[dst * 3] += output[src] * w;
        this.sum[dst * 3 + 1] += output[src + 1] * w;
        this.sum[dst * 3 + 2] += output[src + 2] * w;
        this.weight[dst] += w;
      }
    }
  }

  /** The blended work image as RGBA bytes. */
  toRgba(out: Uint8Array = new Uint8Array(this.plan.workWidth * this.plan.workHeight * 4)): Uint8Array {
    const n = this.plan.workWidth * this.plan.workHeight;
    for (let i = 0; i < n; i++) {
      const k = this.weight[i] > 0 ? 255 / this.weight[i] : 0;
      out[i * 4] = Math.min(255, Math.max(0, Math.round(this.sum[i * 3] * k)));
      out[i * 4 + 1] = Math.min(255, Math.max(0, Math.round(this.sum[i * 3 + 1] * k)));
      out[i * 4 + 2] = Math.min(255, Math.max(0, Math.round(this.sum[i * 3 + 2] * k)));
      out[i * 4 + 3] = 255;
    }
    return out;
  }
}
