import { selfie } from './selfie.ts';
import type { SegmenterSpec } from './spec.ts';

/**
 * MediaPipe Selfie Segmentation, landscape model (256x144, the shape of a 16:9 frame): same
 * normalisation and output as the square model, half the work; a 16:9 frame needs no distortion.
 */
export const selfieLandscape: SegmenterSpec = {
  ...selfie,
  name: 'selfie-landscape',
  inputWidth: 256,
  inputHeight: 144,
  aspect: 'stretch',
  registryName: 'selfie-landscape',
};
