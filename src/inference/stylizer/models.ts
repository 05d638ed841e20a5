import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir, ENV } from '../../core/env.ts';
import { StylecastError } from '../../core/errors.ts';

/**
 * Where the Magenta style models are and how they become ONNX bytes: the files keep their upstream
 * names (as `stylecast models pull` stores them), found in the configured models folder, then
 * STYLECAST_MODELS, then the per-user cache; each .tflite goes through our TFLite importer (cached).
 */

export type StyleVariant = 'int8' | 'fp16' | 'dynamic';
export const STYLE_VARIANT_ORDER: readonly StyleVariant[] = ['int8', 'fp16', 'dynamic'];

const SUBFOLDER = 'magenta-arbitrary-style';
export const PREDICT_FILE = 'style_predict_quantized_256.tflite';
export const TRANSFORM_FILES: Record<StyleVariant, string> = {
  int8: 'style_transfer_quantized_384.tflite',
  fp16: 'style_transfer_f16_384.tflite',
  dynamic: 'style_transfer_quantized_dynamic.tflite',
};

/**
 * 'auto' picks the fastest variant that holds quality. Measured (bench/style.bench.ts): see README
 * section `styles`; fp16 weights become fp32 at import, which ORT runs fastest on CPU here.
 */
export const AUTO_VARIANT_ORDER: readonly StyleVariant[] = ['fp16', 'int8', 'dynamic'];

export interface LocateOptions {
  modelsDir?: string;
  env?: NodeJS.ProcessEnv;
}

export function modelSearchDirs(options: LocateOptions = {}): string[] {
  const env = options.env ?? process.env;
  const dirs = [options.modelsDir, env[ENV.models], join(defaultCacheDir(env), 'models')];
  return dirs.filter((d): d is string => Boolean(d));
}

export function findModelFile(file: string, options: LocateOptions = {}): string | undefined {
  for (const dir of modelSearchDirs(options)) {
    for (const candidate of [join(dir, SUBFOLDER, file), join(dir, file)]) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

export interface StyleModelPaths {
  predict: string;
  transform: string;
  variant: StyleVariant;
}

/** The files for a variant ('auto': the first present in AUTO_VARIANT_ORDER), or undefined when absent. */
export function findStyleModels(
  variant: StyleVariant | 'auto',
  options: LocateOptions = {},
): StyleModelPaths | undefined {
  const predict = findModelFile(PREDICT_FILE, options);
  if (!predict) return undefined;
  const order = variant === 'auto' ? AUTO_VARIANT_ORDER : [variant];
  for (const v of order) {
    const transform = findModelFile(TRANSFORM_FILES[v], options);
    if (transform) return { predict, transform, variant: v };
  }
  return undefined;
}

export function requireStyleModels(variant: StyleVariant | 'auto', options: LocateOptions = {}) {
  const found = findStyleModels(variant, options);
  if (found) return found;
  const what = variant === 'auto' ? 'the Magenta style models are' : `the ${variant} style transform model is`;
  throw new StylecastError(
    'MODEL_NOT_FOUND',
    `${what} not installed`,
    `run \`stylecast models pull\` to get them (looked in ${modelSearchDirs(options).join(', ')})`,
  );
}

export interface StyleModelBytes {
  predict: Uint8Array;
  transform: Uint8Array;
  variant: StyleVariant;
  /** sha256 of the predict model file: part of every cached bottleneck's key. */
  predictHash: string;
}

type ImportTflite = (
  path: string,
  options: { cacheDir?: string },
) => Promise<{ onnx: Uint8Array; cached: boolean; cachePath: string }>;

/** Imports both models to ONNX (the importer caches by sha256, so this is fast after the first time). */
export async function loadStyleModelBytes(
  variant: StyleVariant | 'auto',
  options: LocateOptions & { cacheDir?: string } = {},
): Promise<StyleModelBytes> {
  const paths = requireStyleModels(variant, options);
  // Resolved at run time: the importer is built in parallel (issue 3) and may not exist in every checkout.
  const importer = '../tflite/import.ts';
  const { importTfliteFile } = (await import(importer)) as { importTfliteFile: ImportTflite };
  const cacheDir = options.cacheDir ?? join(defaultCacheDir(options.env), 'onnx');
  const [predict, transform] = await Promise.all([
    importTfliteFile(paths.predict, { cacheDir }),
    importTfliteFile(paths.transform, { cacheDir }),
  ]);
  return {
    predict: predict.onnx,
    transform: transform.onnx,
    variant: paths.variant,
    predictHash: sha256File(paths.predict),
  };
}

export const sha256File = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex');
