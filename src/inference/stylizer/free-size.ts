import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * The Magenta transform is fully convolutional (convolutions, reflect pads, instance normalisation,
 * per-channel style parameters), but the TFLite file, and so the imported graph, declares 384x384.
 * This marks the content input's and the output's height and width as free, so the same weights run on
 * other sizes: a 16:9 frame's quick painting at 384x216 instead of padded into 384x384 (measured here:
 * 29 vs 50 ms on one thread, 18 vs 31 ms on two). Sizes must be multiples of 8 (the importer's
 * space-to-depth rewrite and the two stride-2 stages). Returns the model unchanged when it has no
 * NHWC content input.
 */
export function freeContentSize(model: Uint8Array, contentInput = /content/i): Uint8Array {
  const proto = onnx.ModelProto.decode(model);
  const graph = proto.graph;
  const content = graph?.input?.find((i) => contentInput.test(i.name ?? ''));
  if (!graph || !content) return model;
  const free = (dims: onnxProto.onnx.TensorShapeProto.IDimension[] | null | undefined, prefix: string) => {
    if (dims?.length !== 4) return false;
    dims[1] = onnx.TensorShapeProto.Dimension.create({ dimParam: `${prefix}_height` });
    dims[2] = onnx.TensorShapeProto.Dimension.create({ dimParam: `${prefix}_width` });
    return true;
  };
  if (!free(content.type?.tensorType?.shape?.dim, 'content')) return model;
  for (const output of graph.output ?? []) free(output.type?.tensorType?.shape?.dim, 'output');
  graph.valueInfo = []; // inferred shapes of the 384 graph would contradict other sizes
  return onnx.ModelProto.encode(proto).finish();
}

/** The nearest multiple of 8 (at least 8): a size the free-size transform accepts. */
export const multipleOf8 = (n: number): number => Math.max(8, Math.round(n / 8) * 8);
