import { classVersusBestOther, type SegmenterSpec } from './spec.ts';

/** PASCAL VOC class index of "person". */
export const VOC_PERSON = 15;

/**
 * DeepLabV3 MobileNetV2 (PASCAL VOC, 21 classes), 257x257, RGB in [-1, 1], NHWC logits out; person =
 * class 15 against the strongest other class (argmax-consistent). Slowest (0.73 GMAC) but best on whole bodies and hard scenes.
 */
export const deeplabv3: SegmenterSpec = {
  name: 'deeplabv3',
  inputWidth: 257,
  inputHeight: 257,
  layout: 'nhwc',
  channelOrder: 'rgb',
  mean: [127.5, 127.5, 127.5],
  scale: [1 / 127.5, 1 / 127.5, 1 / 127.5],
  aspect: 'letterbox',
  pad: [0, 0, 0],
  registryName: 'deeplabv3',
  personProbability: (outputs, names) => {
    const logits = outputs[names[0]];
    const classes = logits.dims[logits.dims.length - 1];
    return classVersusBestOther(logits.data, classes, VOC_PERSON);
  },
};
