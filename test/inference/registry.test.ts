import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/core/errors.ts';
import {
  assertVerified,
  isPresent,
  loadOnnx,
  manifest,
  modelEntry,
  openModel,
  resolveModel,
  supportedModels,
  verifyFile,
} from '../../src/inference/registry/index.ts';
import { MODELS_DIR } from '../helpers/shared.ts';

// The registry against the real model files in ../shared/models, and damaged copies in a temp folder.
let tmp: string;
const env = {}; // ignore STYLECAST_MODELS from the caller's shell
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'stylecast-registry-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A models folder in tmp holding `bytes` at `name`'s path. */
function folderWith(
  name: string,
  bytes: Buffer | Uint8Array,
  folder = join(tmp, `f-${Math.random()}`),
): string {
  const path = join(folder, modelEntry(name).file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return folder;
}

async function failure(promise: Promise<unknown>): Promise<StylecastError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StylecastError);
  return error as StylecastError;
}

const ALL = [
  'selfie',
  'selfie-landscape',
  'deeplabv3',
  'sinet',
  'selfie-onnx',
  'style-predict-int8',
  'style-transform-int8',
  'style-transform-fp16',
  'style-transform-fp16-hub',
  'style-transform-dynamic',
];

describe('registry', () => {
  it('lists every model, and each manifest size and sha256 matches the real file', async () => {
    expect([...manifest().keys()]).toEqual(ALL);
    expect(supportedModels().find((m) => m.name === 'sinet')).toEqual({
      name: 'sinet',
      role: 'segmentation',
      format: 'onnx',
      precision: 'float32',
      licence: 'MIT',
    });
    for (const name of ALL) {
      const found = resolveModel(name, { modelsDir: MODELS_DIR, env });
      expect(found.source).toBe('models-dir');
      expect(await verifyFile(found.path, found.entry), name).toEqual({ ok: true });
    }
  });

  it('looks in the models folder, then the cache, then the npm package', () => {
    const cacheDir = join(tmp, 'cache');
    const empty = join(tmp, 'empty');
    // The selfie models ship in @mediapipe/selfie_segmentation: byte-identical, no download.
    const selfie = resolveModel('selfie', { modelsDir: empty, cacheDir, env });
    expect(selfie.source).toBe('npm');
    expect(selfie.path).toMatch(
      /node_modules\/@mediapipe\/selfie_segmentation\/selfie_segmentation\.tflite$/,
    );
    expect(isPresent('selfie-landscape', { cacheDir, env })).toBe(true);

    expect(isPresent('sinet', { cacheDir, env })).toBe(false);
    const cached = join(cacheDir, 'models', modelEntry('sinet').file);
    mkdirSync(dirname(cached), { recursive: true });
    copyFileSync(join(MODELS_DIR, modelEntry('sinet').file), cached);
    expect(resolveModel('sinet', { cacheDir, env })).toMatchObject({ source: 'cache', path: cached });
    // STYLECAST_MODELS (here through env) wins over the cache.
    expect(resolveModel('sinet', { cacheDir, env: { STYLECAST_MODELS: MODELS_DIR } }).source).toBe(
      'models-dir',
    );

    let error: unknown;
    try {
      resolveModel('deeplabv3', { modelsDir: empty, cacheDir, env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StylecastError);
    expect((error as StylecastError).key).toBe('MODEL_NOT_FOUND');
    expect((error as StylecastError).message).toContain(join(empty, modelEntry('deeplabv3').file));
    expect((error as StylecastError).hint).toMatch(/stylecast models pull deeplabv3/);
    expect(() => modelEntry('nope')).toThrow(/unknown model 'nope'/);
  });

  it('names the file and the problem for a truncated or altered model', async () => {
    const entry = modelEntry('sinet');
    const good = readFileSync(join(MODELS_DIR, entry.file));
    const truncated = folderWith('sinet', good.subarray(0, 1000));
    const error = await failure(loadOnnx('sinet', { modelsDir: truncated, env }));
    expect(error.key).toBe('MODEL_CORRUPT');
    expect(error.message).toBe(
      `model 'sinet' at ${join(truncated, entry.file)} is damaged or a different file (truncated: 1000 bytes, expected 395434)`,
    );
    const altered = Buffer.from(good);
    altered[5000] ^= 1;
    const path = join(folderWith('sinet', altered), entry.file);
    const checksum = await failure(assertVerified(path, entry));
    expect(checksum.key).toBe('MODEL_CHECKSUM');
    expect(checksum.message).toContain(path);
    expect(checksum.message).toContain(`expected ${entry.sha256}`);
  });

  it('opens an ONNX model and a TFLite model (imported, then from the import cache)', async () => {
    const cacheDir = join(tmp, 'import-cache');
    const sinet = await openModel('sinet', { modelsDir: MODELS_DIR, env, session: { threads: 1 } });
    expect(sinet.model.onnx).toBe(join(MODELS_DIR, 'sinet/SINet_Softmax_simple.onnx'));
    await sinet.session.release();

    const first = await loadOnnx('selfie-landscape', { cacheDir, env });
    expect(first.source).toBe('npm');
    expect(first.imported?.cached).toBe(false);
    const second = await openModel('selfie-landscape', { cacheDir, env, session: { threads: 1 } });
    try {
      expect(second.model.imported).toEqual({ cached: true, cachePath: first.imported?.cachePath });
      expect(second.session.inputs[0].dims).toEqual([1, 144, 256, 3]);
      const out = await second.session.run({
        [second.session.inputNames[0]]: {
          data: new Float32Array(144 * 256 * 3).fill(0.5),
          dims: [1, 144, 256, 3],
        },
      });
      expect(Object.values(out)[0].dims).toEqual([1, 144, 256, 1]);
    } finally {
      await second.session.release();
    }
  });

  it('rejects a model whose tensors differ from the manifest, naming the file', async () => {
    // SINet's bytes where the selfie ONNX should be (checksum skipped, so the shape check must catch it).
    const folder = folderWith('selfie-onnx', readFileSync(join(MODELS_DIR, modelEntry('sinet').file)));
    const error = await failure(openModel('selfie-onnx', { modelsDir: folder, env, verify: false }));
    expect(error.key).toBe('MODEL_SHAPE');
    expect(error.message).toBe(
      `model 'selfie-onnx' at ${join(folder, modelEntry('selfie-onnx').file)} does not have the expected tensors: ` +
        "input 0 ('data') is [1,3,320,320], expected [1,256,256,3]",
    );
  });

  it('rejects random bytes posing as a TFLite model', async () => {
    const folder = folderWith('selfie', randomBytes(modelEntry('selfie').size));
    const checked = await failure(loadOnnx('selfie', { modelsDir: folder, env }));
    expect(checked.key).toBe('MODEL_CHECKSUM');
    const unchecked = await failure(
      loadOnnx('selfie', { modelsDir: folder, env, verify: false, cacheDir: join(tmp, 'c2') }),
    );
    expect(unchecked.key).toBe('MODEL_CORRUPT');
    expect(unchecked.message).toMatch(/selfie_segmentation\.tflite/);
  });
});
