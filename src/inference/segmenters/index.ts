import { StylecastError } from '../../core/errors.ts';
import { deeplabv3 } from './deeplabv3.ts';
import { Segmenter, type SegmenterOptions } from './segmenter.ts';
import { selfie } from './selfie.ts';
import { selfieLandscape } from './selfie-landscape.ts';
import { sinet } from './sinet.ts';
import type { SegmenterSpec } from './spec.ts';

/** Segmentation model name -> its spec. A new model is one file plus one line here. */
export const SEGMENTERS: Record<string, SegmenterSpec> = {
  selfie,
  'selfie-landscape': selfieLandscape,
  deeplabv3,
  sinet,
};

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
