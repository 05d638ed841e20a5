import onnxProto from 'onnx-proto';
import { expect, it } from 'vitest';
import { freeContentSize, multipleOf8 } from '../../src/inference/stylizer/free-size.ts';
import { loadStyleModelBytes } from '../../src/inference/stylizer/models.ts';
import { MODELS_DIR } from '../helpers/shared.ts';

const dims = (model: Uint8Array, which: 'input' | 'output', name: RegExp) =>
  onnxProto.onnx.ModelProto.decode(model)
    .graph?.[which]?.find((v) => name.test(v.name ?? ''))
    ?.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));

it('frees the transform content height and width (and the output), and leaves other models alone', async () => {
  const bytes = await loadStyleModelBytes('fp16', { modelsDir: MODELS_DIR });
  // loadStyleModelBytes applies it: the content input and the output are free, batch and channels not.
  expect(dims(bytes.transform, 'input', /content/)).toEqual([1, 'content_height', 'content_width', 3]);
  expect(dims(bytes.transform, 'output', /./)).toEqual([1, 'output_height', 'output_width', 3]);
  // The predict model has no content input: the very same bytes come back.
  expect(freeContentSize(bytes.predict)).toBe(bytes.predict);
  expect([multipleOf8(216), multipleOf8(213.3), multipleOf8(2)]).toEqual([216, 216, 8]);
});
