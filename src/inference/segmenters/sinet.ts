import { channelPlane, type SegmenterSpec } from './spec.ts';

/**
 * SINet portrait segmentation (320x320, NCHW, BGR), softmax over {background, person}; the
 * normalisation is the one its OBS plugin uses: (x - mean) / (std * 255) on 0..255 pixels.
 */
const MEAN = [102.890434, 111.25247, 126.91212] as const;
const STD = [62.93292, 62.82138, 66.355705] as const;

export const sinet: SegmenterSpec = {
  name: 'sinet',
  inputWidth: 320,
  inputHeight: 320,
  layout: 'nchw',
  channelOrder: 'bgr',
  mean: MEAN,
  scale: [1 / (STD[0] * 255), 1 / (STD[1] * 255), 1 / (STD[2] * 255)],
  aspect: 'letterbox',
  pad: [0, 0, 0],
  registryName: 'sinet',
  personProbability: (outputs, names) => channelPlane(outputs[names[0]], 1, 'nchw'),
};
