import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelEntry } from '../../src/inference/registry/index.ts';
import { createSession } from '../../src/inference/runtime.ts';
import { importCachePath, importTfliteFile } from '../../src/inference/tflite/import.ts';
import { checksumPathOf } from '../../src/inference/tflite/import-cache.ts';
import { textLogger } from '../helpers/log-lines.ts';
import { MODELS_DIR, media, model, REPO } from '../helpers/shared.ts';

// The importer's on-disk cache checks itself: a damaged entry is converted again (one warning naming
// it) instead of being handed to ONNX Runtime; real files, real ONNX Runtime, the real CLI.
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'stylecast-import-cache-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function opensInOrt(onnx: Uint8Array): Promise<void> {
  const session = await createSession(onnx, { isolation: 'inline', warmup: false, label: 'cached import' });
  await session.release();
}

const selfie = model('mediapipe-selfie-segmentation', 'selfie_segmentation.tflite');

describe('import cache', () => {
  it('writes a checksum beside each entry and converts a damaged entry again, warning once', async () => {
    const cacheDir = join(tmp, 'unit');
    const first = await importTfliteFile(selfie, { cacheDir });
    expect(first.cached).toBe(false);
    expect(existsSync(checksumPathOf(first.cachePath))).toBe(true);
    expect((await importTfliteFile(selfie, { cacheDir })).cached).toBe(true);

    for (const garbage of [Buffer.from('garbage\n'), Buffer.alloc(0), first.onnx.subarray(0, 1000)]) {
      writeFileSync(first.cachePath, garbage);
      const { log, lines } = textLogger();
      const repaired = await importTfliteFile(selfie, { cacheDir, log });
      expect(repaired.cached).toBe(false);
      expect(repaired.repaired).toBeDefined();
      expect(lines()).toHaveLength(1);
      expect(lines()[0]).toMatch(/^warn\s+cached ONNX conversion .* is damaged \(.*\): converting/);
      expect(lines()[0]).toContain(first.cachePath);
      await opensInOrt(repaired.onnx);
      // Rewritten: the next load is a clean cache hit.
      expect(Buffer.compare(readFileSync(first.cachePath), Buffer.from(first.onnx))).toBe(0);
      const again = await importTfliteFile(selfie, { cacheDir, log });
      expect(again.cached).toBe(true);
      expect(lines()).toHaveLength(1);
    }
  });

  it('does not trust an entry without a checksum (older caches): converts it again, quietly', async () => {
    const cacheDir = join(tmp, 'legacy');
    const first = await importTfliteFile(selfie, { cacheDir });
    rmSync(checksumPathOf(first.cachePath));
    writeFileSync(first.cachePath, 'garbage');
    const { log, lines } = textLogger();
    const result = await importTfliteFile(selfie, { cacheDir, log });
    expect(result.cached).toBe(false);
    expect(lines()).toEqual([]);
    await opensInOrt(result.onnx);
    expect(existsSync(checksumPathOf(first.cachePath))).toBe(true);
  });
});

function stylecast(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(REPO, 'bin/stylecast.js'), ...args],
      { cwd: tmp, env: { ...process.env, STYLECAST_LOG_JSON: '0', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (child.exitCode ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('a damaged import cache, from the CLI', () => {
  it('stylize repairs it by itself and models verify checks and repairs it', async () => {
    const env = { STYLECAST_MODELS: MODELS_DIR, STYLECAST_CACHE: join(tmp, 'cli-cache') };
    const args = [
      'stylize',
      media('portrait_obama', 'portrait.jpg'),
      '--style',
      media('style_golden', 'style_input_style.jpg'),
      '--square',
      '--out',
      join(tmp, 'out.png'),
    ];
    expect((await stylecast(args, env)).code).toBe(0);
    const predict = importCachePath(join(tmp, 'cli-cache', 'onnx'), modelEntry('style-predict-int8').sha256);
    expect(existsSync(predict)).toBe(true);

    writeFileSync(predict, 'garbage');
    const repaired = await stylecast(args, env);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stderr).toContain(`warn  cached ONNX conversion ${predict} is damaged`);
    expect(repaired.stderr).not.toMatch(/protobuf|error:/);

    writeFileSync(predict, 'garbage');
    const verify = await stylecast(['models', 'verify', 'style-predict-int8'], env);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`its cached ONNX conversion ${predict} was damaged`);
    const clean = await stylecast(['models', 'verify', 'style-predict-int8'], env);
    expect(clean.stdout).toMatch(/^style-predict-int8: ok \([^)]*\)\n$/);
  }, 90_000);
});
