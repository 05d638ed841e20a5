import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/core/errors.ts';
import { createSession } from '../../src/inference/runtime.ts';
import { IMPORTER_VERSION, importTflite, importTfliteFile } from '../../src/inference/tflite/import.ts';
import { model } from '../helpers/shared.ts';
import { buildTflite } from './fixtures/tflite-builder.ts';

const predictPath = model('magenta-arbitrary-style', 'style_predict_quantized_256.tflite');
const scratch = mkdtempSync(join(tmpdir(), 'stylecast-import-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function importError(run: () => unknown): StylecastError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StylecastError);
    return error as StylecastError;
  }
  throw new Error('expected the import to fail');
}

/** x -> op -> y with one float input of shape [1, 4, 4, 2]. */
const oneOpModel = (builtin: number, custom?: string) =>
  buildTflite({
    tensors: [
      { name: 'x', shape: [1, 4, 4, 2] },
      { name: 'y', shape: [1, 4, 4, 2] },
    ],
    operators: [{ builtin, custom, inputs: [0], outputs: [1] }],
    inputs: [0],
    outputs: [1],
  });

describe('importer errors', () => {
  it('a truncated .tflite is MODEL_CORRUPT naming the file and what is wrong', () => {
    const bytes = new Uint8Array(readFileSync(predictPath));
    const error = importError(() =>
      importTflite(bytes.subarray(0, bytes.length / 2), { modelName: 'cut.tflite' }),
    );
    expect(error.key).toBe('MODEL_CORRUPT');
    expect(error.message).toMatch(/^cut\.tflite is not a valid TFLite model: .*outside the \d+-byte file/);
    expect(error.hint).toBeTruthy();
  });

  it('random bytes are MODEL_CORRUPT: no TFLite identifier', () => {
    const random = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    const error = importError(() => importTflite(random, { modelName: 'noise.bin' }));
    expect(error.key).toBe('MODEL_CORRUPT');
    expect(error.message).toContain('noise.bin');
    expect(error.message).toContain('TFL3');
    expect(importError(() => importTflite(new Uint8Array(3))).message).toMatch(/too short/);
  });

  it('an unsupported builtin operator is MODEL_UNSUPPORTED_OP naming operator, index and model', () => {
    const error = importError(() => importTflite(oneOpModel(49 /* SPLIT */), { modelName: 'split.tflite' }));
    expect(error.key).toBe('MODEL_UNSUPPORTED_OP');
    expect(error.message).toBe('split.tflite: operator BUILTIN_49 (#0) is not supported by the importer');
  });

  it('an unknown custom operator is named by its custom code', () => {
    const error = importError(() =>
      importTflite(oneOpModel(32, 'MyFancyOp'), { modelName: 'custom.tflite' }),
    );
    expect(error.key).toBe('MODEL_UNSUPPORTED_OP');
    expect(error.message).toContain('operator CUSTOM:MyFancyOp (#0)');
  });

  it('a supported model built here imports and runs (the builder itself is sound)', async () => {
    const session = await createSession(importTflite(oneOpModel(19 /* RELU */)), { threads: 1 });
    const x = Float32Array.from({ length: 32 }, (_, i) => i - 16);
    const y = (await session.run({ x: { data: x, dims: [1, 4, 4, 2] } })).y;
    await session.release();
    expect(Array.from(y.data)).toEqual(Array.from(x, (v) => Math.max(v, 0)));
  });
});

describe('importTfliteFile cache', () => {
  it('imports once, then serves the cached ONNX keyed by sha256 and importer version', async () => {
    const cacheDir = join(scratch, 'onnx');
    const first = await importTfliteFile(predictPath, { cacheDir });
    expect(first.cached).toBe(false);
    expect(first.cachePath).toBe(
      join(
        cacheDir,
        `203dbd6a09da1091ab7e48e8b101aef8c2d81438ad047a5cb150747a977134c1-v${IMPORTER_VERSION}.onnx`,
      ),
    );
    const second = await importTfliteFile(predictPath, { cacheDir });
    expect(second.cached).toBe(true);
    expect(Buffer.compare(second.onnx, first.onnx)).toBe(0);
    // The ONNX file and the checksum of its bytes (import-cache.ts); no temporary files left.
    expect(readdirSync(cacheDir).sort()).toEqual([
      `203dbd6a09da1091ab7e48e8b101aef8c2d81438ad047a5cb150747a977134c1-v${IMPORTER_VERSION}.onnx`,
      `203dbd6a09da1091ab7e48e8b101aef8c2d81438ad047a5cb150747a977134c1-v${IMPORTER_VERSION}.onnx.sha256`,
    ]);
  });

  it('a missing file is MODEL_NOT_FOUND; a corrupt one is MODEL_CORRUPT with its file name', async () => {
    await expect(importTfliteFile(join(scratch, 'nope.tflite'), { cacheDir: scratch })).rejects.toMatchObject(
      {
        key: 'MODEL_NOT_FOUND',
      },
    );
    const bad = join(scratch, 'bad.tflite');
    writeFileSync(bad, 'not a model at all');
    await expect(importTfliteFile(bad, { cacheDir: scratch })).rejects.toMatchObject({
      key: 'MODEL_CORRUPT',
      message: expect.stringContaining('bad.tflite'),
    });
  });
});
