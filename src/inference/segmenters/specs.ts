import { deeplabv3 } from './deeplabv3.ts';
import { selfie } from './selfie.ts';
import { selfieLandscape } from './selfie-landscape.ts';
import { sinet } from './sinet.ts';
import type { SegmenterSpec } from './spec.ts';

/**
 * Segmentation model name -> its spec. A new model is one file plus one line here. Kept apart from
 * index.ts so a pixel worker gets the specs without the runtime and the registry.
 */
export const SEGMENTERS: Record<string, SegmenterSpec> = {
  selfie,
  'selfie-landscape': selfieLandscape,
  deeplabv3,
  sinet,
};
