import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS_DIR } from '../helpers/shared.ts';

/**
 * The bad-input corpus: files that are wrong in the ways users' files are wrong. Written into a
 * temp dir by makeCorpus(); nothing here is ever copied into the repository or into ../shared.
 */

export interface Corpus {
  dir: string;
  /** name -> path */
  files: Record<string, string>;
  /** A models folder laid out like ../shared/models whose every model file is garbage. */
  garbageModels: string;
  /** A styles folder full of files that are not images (and one real image for contrast). */
  badStyles: string;
}

/** 64 bytes that start like a PNG and then stop. */
const TRUNCATED_PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(56, 0x41),
]);
/** A JPEG header with nothing after it. */
const TRUNCATED_JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);

export function makeCorpus(dir: string): Corpus {
  mkdirSync(dir, { recursive: true });
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const files = {
    configSyntax: file('syntax.json', '{ "input": { "source": "test", }'),
    configArray: file('array.json', '[1, 2, 3]'),
    configUnknownKey: file('unknown-key.json', JSON.stringify({ inputt: { source: 'test' } })),
    // Typos one level down (or two) were ignored while the defaults ran.
    configNestedEffect: file('nested-effect.json', JSON.stringify({ effect: { nmae: 'none' } })),
    configNestedInput: file('nested-input.json', JSON.stringify({ input: { source: 'test', widht: 640 } })),
    configNestedApi: file('nested-api.json', JSON.stringify({ api: { prot: 1 } })),
    configNestedMask: file('nested-mask.json', JSON.stringify({ segmentation: { mask: { treshold: 0.4 } } })),
    // JSON.parse keeps "__proto__" as an own key; merged naively it became the settings' prototype.
    configProto: file('proto.json', '{"__proto__": {"effect": {"name": "none"}}}'),
    configWrongType: file('wrong-type.json', JSON.stringify({ input: { fps: 'thirty' } })),
    configOutOfRange: file('out-of-range.json', JSON.stringify({ segmentation: { mask: { threshold: 7 } } })),
    configBadEffect: file('bad-effect.json', JSON.stringify({ effect: { name: 'sparkles' } })),
    configEmpty: file('empty.json', ''),
    configBinary: file('binary.json', Buffer.from([0, 1, 2, 255, 254, 0x7b])),
    configHuge: file('huge-number.json', JSON.stringify({ input: { width: 1e308 } })),
    textAsImage: file('not-an-image.png', 'this is a text file, not a picture\n'),
    emptyImage: file('empty.jpg', ''),
    truncatedPng: file('truncated.png', TRUNCATED_PNG),
    truncatedJpeg: file('truncated.jpg', TRUNCATED_JPEG),
    textAsVideo: file('not-a-video.mp4', 'no video here\n'),
    emptyVideo: file('empty.mkv', ''),
    garbageTflite: file('garbage.tflite', Buffer.alloc(4096, 0x5a)),
    emptyTflite: file('empty.tflite', ''),
    garbageOnnx: file('garbage.onnx', Buffer.alloc(4096, 0x33)),
  };

  // Same layout and names as the shared models folder, garbage content.
  const garbageModels = join(dir, 'garbage-models');
  for (const [folder, name] of [
    ['mediapipe-selfie-segmentation', 'selfie_segmentation.onnx'],
    ['mediapipe-selfie-segmentation', 'selfie_segmentation.tflite'],
    ['mediapipe-selfie-segmentation', 'selfie_segmentation_landscape.tflite'],
    ['magenta-arbitrary-style', 'style_predict_quantized_256.tflite'],
    ['magenta-arbitrary-style', 'style_transfer_quantized_384.tflite'],
    ['magenta-arbitrary-style', 'style_transfer_f16_384.tflite'],
    ['magenta-arbitrary-style', 'style_transfer_quantized_dynamic.tflite'],
    ['sinet', 'SINet_Softmax_simple.onnx'],
  ]) {
    mkdirSync(join(garbageModels, folder), { recursive: true });
    writeFileSync(join(garbageModels, folder, name), Buffer.alloc(2048, 0x47));
  }
  copyFileSync(join(MODELS_DIR, 'manifest.json'), join(garbageModels, 'manifest.json'));

  const badStyles = join(dir, 'bad-styles');
  mkdirSync(badStyles);
  writeFileSync(join(badStyles, 'text.jpg'), 'not a painting');
  writeFileSync(join(badStyles, 'empty.png'), '');
  writeFileSync(join(badStyles, 'truncated.png'), TRUNCATED_PNG);
  writeFileSync(join(badStyles, 'truncated.jpg'), TRUNCATED_JPEG);
  writeFileSync(join(badStyles, 'notes.txt'), 'a stray file');
  writeFileSync(join(badStyles, `${'x'.repeat(200)}.jpg`), 'long name');
  mkdirSync(join(badStyles, 'folder.jpg'));
  return { dir, files, garbageModels, badStyles };
}
