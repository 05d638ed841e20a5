import { channelPlane, type SegmenterSpec } from './spec.ts';

/**
 * MediaPipe Selfie Segmentation, general (square 256x256) model: RGB in [0, 1], NHWC, one sigmoid
 * channel out. The default: fast (0.06 GMAC) and best on head-and-shoulders shots.
 */
export const selfie: SegmenterSpec = {
  name: 'selfie',
  inputWidth: 256,
  inputHeight: 256,
  layout: 'nhwc',
  channelOrder: 'rgb',
  mean: [0, 0, 0],
  scale: [1 / 255, 1 / 255, 1 / 255],
  aspect: 'stretch',
  pad: [0, 0, 0],
  registryName: 'selfie',
  personProbability: (outputs, names) => channelPlane(outputs[names[0]], 0, 'nhwc'),
};
