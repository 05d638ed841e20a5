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
): Float32Array {
  const { src, dst, frameWidth, frameHeight, modelWidth, modelHeight } = geometry;
  const sx = dst.width / src.width;
  const sy = dst.height / src.height;
  for (let gy = 0; gy < gridHeight; gy++) {
    const fy = ((gy + 0.5) * frameHeight) / gridHeight;
    const my = dst.y + (fy - src.y) * sy - 0.5;
    for (let gx = 0; gx < gridWidth; gx++) {
      const fx = ((gx + 0.5) * frameWidth) / gridWidth;
      const mx = dst.x + (fx - src.x) * sx - 0.5;
      const i = gy * gridWidth + gx;
      if (
        mx < dst.x - 0.5 ||
        my < dst.y - 0.5 ||
        mx > dst.x + dst.width - 0.5 ||
        my > dst.y + dst.height - 0.5
      ) {
        out[i] = outside;
        continue;
      }
      out[i] = sampleBilinear(plane, modelWidth, modelHeight, mx, my);
    }
  }
  return out;
}

/** Bilinear sample of a plane at (x, y) in pixel-centre coordinates, edges clamped. */
export function sampleBilinear(
  plane: Float32Array,
  width: number,
  height: number,
  x: number,
  y: number,
): number {
  const cx = Math.min(width - 1, Math.max(0, x));
  const cy = Math.min(height - 1, Math.max(0, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(width - 1, x0 + 1);
  const y1 = Math.min(height - 1, y0 + 1);
  const wx = cx - x0;
  const wy = cy - y0;
  const top = plane[y0 * width + x0] * (1 - wx) + plane[y0 * width + x1] * wx;
  const bottom = plane[y1 * width + x0] * (1 - wx) + plane[y1 * width + x1] * wx;
  return top * (1 - wy) + bottom * wy;
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
