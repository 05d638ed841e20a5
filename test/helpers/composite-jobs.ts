import type { CompositeJob } from '../../src/pipeline/composite/kernels.ts';

/** Deterministic noise bytes (a hash of the index), so every channel and alpha value occurs. */
export const noise = (length: number, seed = 1): Uint8Array =>
  new Uint8Array(length).map((_, i) => (Math.imul(i + seed * 7919, 2654435761) >>> 24) & 255);

/**
 * Guided coefficients on a grid with all three kinds of cells: a person disc (alpha 1), background
 * (alpha 0) and a ring of edge cells where alpha depends on the pixel's luma.
 */
export function coefficients(gridWidth: number, gridHeight: number): { a: Float32Array; b: Float32Array } {
  const a = new Float32Array(gridWidth * gridHeight);
  const b = new Float32Array(gridWidth * gridHeight);
  for (let y = 0; y < gridHeight; y++)
    for (let x = 0; x < gridWidth; x++) {
      const d = Math.hypot((x - gridWidth / 2) / (gridWidth / 4), (y - gridHeight / 2) / (gridHeight / 3));
      const t = Math.min(1, Math.max(0, (1.1 - d) / 0.3));
      b[y * gridWidth + x] = t * 0.8 - (t > 0 && t < 1 ? 0.1 : 0) + (t === 1 ? 0.2 : 0);
      a[y * gridWidth + x] = t > 0 && t < 1 ? 0.6 : 0;
    }
  return { a, b };
}

/** A blend of noise over a noise image through a disc-shaped mask; plain (non-shared) arrays. */
export function compositeJob(
  width: number,
  height: number,
  background: { width: number; height: number },
): CompositeJob {
  const gridWidth = 40;
  const gridHeight = 23;
  const { a, b } = coefficients(gridWidth, gridHeight);
  return {
    frame: noise(width * height * 4, 2),
    width,
    height,
    out: new Uint8Array(width * height * 4),
    coeffA: a,
    coeffB: b,
    gridWidth,
    gridHeight,
    mode: 'blend',
    foreground: { kind: 'frame' },
    background: { kind: 'image', data: noise(background.width * background.height * 4, 3), ...background },
  };
}
