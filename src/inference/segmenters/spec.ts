import type { TensorData } from '../runtime.ts';
import type { AspectMode } from './fit.ts';

/**
 * What one segmentation model needs: its input size and layout, how pixels are normalised, how a
 * frame of another aspect is fitted, and how its output becomes a person-probability plane.
 * One model = one small file exporting a SegmenterSpec, plus one line in ./index.ts.
 */
export interface SegmenterSpec {
  name: string;
  inputWidth: number;
  inputHeight: number;
  layout: 'nhwc' | 'nchw';
  channelOrder: 'rgb' | 'bgr';
  /** value = (pixel[0..255] - mean[c]) * scale[c], per channel in the model's channel order. */
  mean: readonly [number, number, number];
  scale: readonly [number, number, number];
  /** Default aspect handling (chosen by measured IoU; see README `segmentation`). */
  aspect: AspectMode;
  /** Letterbox padding colour (RGB 0..255), before normalisation. */
  pad: readonly [number, number, number];
  /** The model registry's name (models/manifest.json); TFLite files are imported into ONNX there. */
  registryName: string;
  /** The model's outputs -> person probability in [0, 1], inputWidth x inputHeight, row-major. */
  personProbability(outputs: Record<string, TensorData>, outputNames: readonly string[]): Float32Array;
}

/**
 * Channel `channel` of an NHWC or NCHW [1, H, W, C] / [1, C, H, W] tensor as a plane: a view into the
 * tensor where the channel is contiguous (valid as long as the tensor's data), else a copy.
 */
export function channelPlane(tensor: TensorData, channel: number, layout: 'nhwc' | 'nchw'): Float32Array {
  const dims = tensor.dims;
  const channels = layout === 'nhwc' ? dims[3] : dims[1];
  const height = layout === 'nhwc' ? dims[1] : dims[2];
  const width = layout === 'nhwc' ? dims[2] : dims[3];
  const n = width * height;
  if (layout === 'nchw') return tensor.data.subarray(channel * n, (channel + 1) * n);
  if (channels === 1) return tensor.data.subarray(0, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = tensor.data[i * channels + channel];
  return out;
}

/**
 * P(class `index`) against the strongest other class, per pixel, from channel-last logits:
 * exp(l_i) / (exp(l_i) + exp(max other)). It is above 0.5 exactly where the class is the argmax (so a
 * 0.5 threshold reproduces the model's own label map), and soft near ties for smoothing.
 */
export function classVersusBestOther(logits: Float32Array, classes: number, index: number): Float32Array {
  const n = logits.length / classes;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * classes;
    let other = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) if (c !== index && logits[base + c] > other) other = logits[base + c];
    out[i] = 1 / (1 + Math.exp(other - logits[base + index]));
  }
  return out;
}

/**
 * Writes the model input tensor from the area-averaged RGB of the fitted region (dst rect of the
 * geometry, interleaved [0, 255]); pixels outside it get the pad colour. Pure; small (model size).
 */
export function encodeInput(
  spec: SegmenterSpec,
  region: Float32Array,
  dst: { x: number; y: number; width: number; height: number },
  out: Float32Array = new Float32Array(spec.inputWidth * spec.inputHeight * 3),
): Float32Array {
  const { inputWidth: w, inputHeight: h } = spec;
  // Model channel c reads region channel source[c]; value = (pixel - mean[c]) * scale[c].
  const [s0, s1, s2] = spec.channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const [m0, m1, m2] = spec.mean;
  const [k0, k1, k2] = spec.scale;
  const pad0 = (spec.pad[s0] - m0) * k0;
  const pad1 = (spec.pad[s1] - m1) * k1;
  const pad2 = (spec.pad[s2] - m2) * k2;
  // Where channel c of pixel p goes: p * pixelStride + c * channelStride.
  const pixelStride = spec.layout === 'nhwc' ? 3 : 1;
  const channelStride = spec.layout === 'nhwc' ? 1 : w * h;
  const x0 = Math.max(0, dst.x);
  const x1 = Math.min(w, dst.x + dst.width);
  const y0 = Math.max(0, dst.y);
  const y1 = Math.min(h, dst.y + dst.height);
  for (let y = 0; y < h; y++) {
    const rowInside = y >= y0 && y < y1;
    const spanStart = rowInside ? x0 : w;
    const spanEnd = rowInside ? x1 : w;
    let o = y * w * pixelStride;
    let x = 0;
    for (; x < spanStart; x++, o += pixelStride) {
      out[o] = pad0;
      out[o + channelStride] = pad1;
      out[o + 2 * channelStride] = pad2;
    }
    let r = ((y - dst.y) * dst.width + (x - dst.x)) * 3;
    for (; x < spanEnd; x++, o += pixelStride, r += 3) {
      out[o] = (region[r + s0] - m0) * k0;
      out[o + channelStride] = (region[r + s1] - m1) * k1;
      out[o + 2 * channelStride] = (region[r + s2] - m2) * k2;
    }
    for (; x < w; x++, o += pixelStride) {
      out[o] = pad0;
      out[o + channelStride] = pad1;
      out[o + 2 * channelStride] = pad2;
    }
  }
  return out;
}
