/**
 * How a frame of any aspect is fitted into a model's fixed input: the frame rectangle `src` (frame
 * pixels) maps onto the model rectangle `dst` (model pixels).
 *  - stretch: the whole frame fills the whole input (aspect distorted; nothing lost, nothing padded);
 *  - letterbox: the whole frame, aspect kept, centred, the rest padded;
 *  - crop: the centre of the frame fills the input, aspect kept, the sides are not seen (= background).
 */
export type AspectMode = 'stretch' | 'letterbox' | 'crop';
export const ASPECT_MODES: readonly AspectMode[] = ['stretch', 'letterbox', 'crop'];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FitGeometry {
  mode: AspectMode;
  frameWidth: number;
  frameHeight: number;
  modelWidth: number;
  modelHeight: number;
  /** Frame region seen by the model (frame pixels, may be fractional). */
  src: Rect;
  /** Where that region lands in the model input (whole model pixels). */
  dst: Rect;
}

export function fitGeometry(
  frameWidth: number,
  frameHeight: number,
  modelWidth: number,
  modelHeight: number,
  mode: AspectMode,
): FitGeometry {
  const whole = { x: 0, y: 0, width: frameWidth, height: frameHeight };
  const full = { x: 0, y: 0, width: modelWidth, height: modelHeight };
  if (mode === 'letterbox') {
    const scale = Math.min(modelWidth / frameWidth, modelHeight / frameHeight);
    const width = Math.max(1, Math.round(frameWidth * scale));
    const height = Math.max(1, Math.round(frameHeight * scale));
    const dst = {
      x: Math.floor((modelWidth - width) / 2),
      y: Math.floor((modelHeight - height) / 2),
      width,
      height,
    };
    return { mode, frameWidth, frameHeight, modelWidth, modelHeight, src: whole, dst };
  }
  if (mode === 'crop') {
    const scale = Math.max(modelWidth / frameWidth, modelHeight / frameHeight);
    const width = modelWidth / scale;
    const height = modelHeight / scale;
    const src = { x: (frameWidth - width) / 2, y: (frameHeight - height) / 2, width, height };
    return { mode, frameWidth, frameHeight, modelWidth, modelHeight, src, dst: full };
  }
  return { mode, frameWidth, frameHeight, modelWidth, modelHeight, src: whole, dst: full };
}

/**
 * Samples a model-space plane (the model's output at modelWidth x modelHeight) onto a grid covering
 * the whole frame at gridWidth x gridHeight, bilinearly; grid cells the model did not see get `outside`.
 */
export function modelPlaneToGrid(
  plane: Float32Array,
  geometry: FitGeometry,
  gridWidth: number,
  gridHeight: number,
  outside = 0,
  out = new Float32Array(gridWidth * gridHeight),
  /** gridTaps(geometry, gridWidth, gridHeight), kept by a caller that samples every frame. */
  taps = gridTaps(geometry, gridWidth, gridHeight),
): Float32Array {
  const { modelWidth } = geometry;
  const { columns, rows } = taps;
  for (let gy = 0; gy < gridHeight; gy++) {
    const i0 = gy * gridWidth;
    if (!rows.seen[gy]) {
      out.fill(outside, i0, i0 + gridWidth);
      continue;
    }
    const top = rows.lo[gy] * modelWidth;
    const bottom = rows.hi[gy] * modelWidth;
    const wy = rows.weight[gy];
    for (let gx = 0; gx < gridWidth; gx++) {
      if (!columns.seen[gx]) {
        out[i0 + gx] = outside;
        continue;
      }
      const x0 = columns.lo[gx];
      const x1 = columns.hi[gx];
      const wx = columns.weight[gx];
      const upper = plane[top + x0] * (1 - wx) + plane[top + x1] * wx;
      const lower = plane[bottom + x0] * (1 - wx) + plane[bottom + x1] * wx;
      out[i0 + gx] = upper * (1 - wy) + lower * wy;
    }
  }
  return out;
}

/** modelPlaneToGrid's sampling positions for one geometry and grid size. */
export interface GridTaps {
  columns: AxisTaps;
  rows: AxisTaps;
}

interface AxisTaps {
  seen: Uint8Array;
  lo: Int32Array;
  hi: Int32Array;
  weight: Float64Array;
}

/**
 * Where each grid column's and row's centre falls in the model plane (sampleBilinear's clamped taps and
 * weight, once per axis instead of per cell), or that the model did not see it.
 */
export function gridTaps(geometry: FitGeometry, gridWidth: number, gridHeight: number): GridTaps {
  const { src, dst, frameWidth, frameHeight, modelWidth, modelHeight } = geometry;
  return {
    columns: bilinearTaps(gridWidth, frameWidth, src.x, src.width, dst.x, dst.width, modelWidth),
    rows: bilinearTaps(gridHeight, frameHeight, src.y, src.height, dst.y, dst.height, modelHeight),
  };
}

/** One axis of modelPlaneToGrid: grid cell k's centre in model pixels, as two taps and a weight. */
function bilinearTaps(
  cells: number,
  frameSize: number,
  srcStart: number,
  srcSize: number,
  dstStart: number,
  dstSize: number,
  modelSize: number,
): AxisTaps {
  const taps: AxisTaps = {
    seen: new Uint8Array(cells),
    lo: new Int32Array(cells),
    hi: new Int32Array(cells),
    weight: new Float64Array(cells),
  };
  const scale = dstSize / srcSize;
  for (let k = 0; k < cells; k++) {
    const f = ((k + 0.5) * frameSize) / cells;
    const m = dstStart + (f - srcStart) * scale - 0.5;
    taps.seen[k] = m < dstStart - 0.5 || m > dstStart + dstSize - 0.5 ? 0 : 1;
    const c = Math.min(modelSize - 1, Math.max(0, m));
    const lo = Math.floor(c);
    taps.lo[k] = lo;
    taps.hi[k] = Math.min(modelSize - 1, lo + 1);
    taps.weight[k] = c - lo;
  }
  return taps;
}

/** Grid size for mask work: the frame's aspect, its long side `longSide` (never larger than the frame). */
export function gridSize(
  frameWidth: number,
  frameHeight: number,
  longSide = 256,
): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(frameWidth, frameHeight));
  return {
    width: Math.max(1, Math.round(frameWidth * scale)),
    height: Math.max(1, Math.round(frameHeight * scale)),
  };
}
