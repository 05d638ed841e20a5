import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir, ENV } from '../../core/env.ts';
import { StylecastError } from '../../core/errors.ts';
import type { SegmenterSpec } from './spec.ts';

/**
 * Finds a segmentation model's bytes. Until the model registry lands this looks in the models folder
 * (config inference.modelsDir, then $STYLECAST_MODELS, then the cache) for a ready ONNX file.
 */
export interface ModelSourceOptions {
  modelsDir?: string;
  env?: NodeJS.ProcessEnv;
}

export function modelFolders(options: ModelSourceOptions): string[] {
  const env = options.env ?? process.env;
  return [options.modelsDir, env[ENV.models], join(defaultCacheDir(env), 'models')].filter(
    (dir): dir is string => Boolean(dir),
  );
}

export async function loadSegmenterModel(
  spec: SegmenterSpec,
  options: ModelSourceOptions = {},
): Promise<string | Uint8Array> {
  const folders = modelFolders(options);
  if (spec.files.onnx) {
    for (const dir of folders) {
      const path = join(dir, spec.files.onnx);
      if (existsSync(path)) return path;
    }
  }
  throw new StylecastError(
    'MODEL_NOT_FOUND',
    `segmentation model '${spec.name}' is not available (looked in ${folders.join(', ')})`,
    `run \`stylecast models pull ${spec.name}\`, or set ${ENV.models} to a folder that holds it`,
  );
}
