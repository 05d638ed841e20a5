import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StylecastError } from '../../src/core/errors.ts';
import { modelEntry } from '../../src/inference/registry/index.ts';
import { createSession } from '../../src/inference/runtime.ts';
import { loadStyleModelBytes } from '../../src/inference/stylizer/models.ts';
import { textLogger } from '../helpers/log-lines.ts';
import { MODELS_DIR, media, REPO } from '../helpers/shared.ts';

// --variant auto with a damaged fp16 transform and a good int8 one: a temp copy of the models folder
// (../shared is never modified), real imports, real ONNX Runtime, the real CLI.
let tmp: string;
let models: string;
let fp16File: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'stylecast-variant-'));
  models = join(tmp, 'models');
  for (const name of ['style-predict-int8', 'style-transform-int8', 'style-transform-fp16']) {
    const file = modelEntry(name).file;
    mkdirSync(dirname(join(models, file)), { recursive: true });
    copyFileSync(join(MODELS_DIR, file), join(models, file));
  }
  fp16File = join(models, modelEntry('style-transform-fp16').file);
  const damaged = readFileSync(fp16File);
  damaged.fill(0x47, 2000, 6000); // same size, different bytes: only the sha256 tells
  writeFileSync(fp16File, damaged);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('style transform variant fallback', () => {
  it("'auto' skips a damaged fp16 file for int8, with one warning naming it and the fix", async () => {
    const { log, lines } = textLogger();
    const bytes = await loadStyleModelBytes('auto', { modelsDir: models, cacheDir: join(tmp, 'cache'), log });
    expect(bytes.variant).toBe('int8');
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toContain(fp16File);
    expect(lines()[0]).toMatch(
      /sha256 .*; using the int8 style transform instead \(hint: .*models pull style-transform-fp16/,
    );
    const session = await createSession(bytes.transform, { isolation: 'inline', warmup: false });
    await session.release();
  });

  it('a variant asked for by name still fails with its one-line error', async () => {
    const error = await loadStyleModelBytes('fp16', { modelsDir: models, cacheDir: join(tmp, 'cache') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StylecastError);
    expect((error as StylecastError).key).toBe('MODEL_CHECKSUM');
    expect((error as StylecastError).message).toContain(fp16File);
  });

  it('stylize --variant auto paints with int8 and says why', async () => {
    const out = join(tmp, 'painted.png');
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [
          join(REPO, 'bin/stylecast.js'),
          'stylize',
          media('portrait_obama', 'portrait.jpg'),
          '--style',
          media('style_golden', 'style_input_style.jpg'),
          '--square',
          '--variant',
          'auto',
          '--out',
          out,
        ],
        {
          cwd: tmp,
          env: {
            ...process.env,
            STYLECAST_MODELS: models,
            STYLECAST_CACHE: join(tmp, 'cli-cache'),
            STYLECAST_LOG_JSON: '0',
          },
          timeout: 60_000,
        },
        (error, _stdout, stderr) => resolve({ code: error ? (child.exitCode ?? 1) : 0, stderr }),
      );
    });
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((l) => l.startsWith('warn'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(fp16File);
    expect(result.stderr).toMatch(/wrote .*painted\.png .*int8/);
    expect(result.stderr).not.toMatch(/error:/);
  }, 60_000);
});
