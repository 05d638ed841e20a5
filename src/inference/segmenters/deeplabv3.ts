import { classProbabilityNhwc, type SegmenterSpec } from './spec.ts';

/** PASCAL VOC class index of "person". */
export const VOC_PERSON = 15;

/**
 * DeepLabV3 MobileNetV2 (PASCAL VOC, 21 classes), 257x257, RGB in [-1, 1], NHWC logits out; person =
 * softmax probability of class 15. Slowest (0.73 GMAC) but best on whole bodies and hard scenes.
 */
export const deeplabv3: SegmenterSpec = {
  name: 'deeplabv3',
  inputWidth: 257,
  inputHeight: 257,
  layout: 'nhwc',
  channelOrder: 'rgb',
  mean: [127.5, 127.5, 127.5],
  scale: [1 / 127.5, 1 / 127.5, 1 / 127.5],
  aspect: 'stretch',
  pad: [0, 0, 0],
  files: { tflite: 'deeplabv3/lite-model_deeplabv3_1_metadata_2.tflite' },
  personProbability: (outputs, names) => {
    const logits = outputs[names[0]];
    const classes = logits.dims[logits.dims.length - 1];
    return classProbabilityNhwc(logits.data, classes, VOC_PERSON);
  },
};
