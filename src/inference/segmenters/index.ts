import { StylecastError } from '../../core/errors.ts';
import { Segmenter, type SegmenterOptions } from './segmenter.ts';
import type { SegmenterSpec } from './spec.ts';
import { SEGMENTERS } from './specs.ts';

export { SEGMENTERS };

export function segmenterSpec(name: string): SegmenterSpec {
  const spec = SEGMENTERS[name];
  if (!spec) {
    throw new StylecastError(
      'BAD_ARGUMENT',
      `unknown segmentation model '${name}'`,
      `choose one of: ${Object.keys(SEGMENTERS).join(', ')}`,
    );
  }
  return spec;
}

export function openSegmenter(name: string, options: SegmenterOptions = {}): Promise<Segmenter> {
  return Segmenter.open(segmenterSpec(name), options);
}

export { type AspectMode, type FitGeometry, fitGeometry, gridSize, modelPlaneToGrid } from './fit.ts';
export { Segmenter, type SegmenterOptions } from './segmenter.ts';
export type { SegmenterSpec } from './spec.ts';
