import type { Logger } from '../../core/log.ts';
import { openModel } from '../registry/index.ts';
import type { ModelSession, SessionOptions } from '../runtime.ts';
import type { SegmenterSpec } from './spec.ts';

/**
 * Opens a segmentation model through the model registry (find the file, verify it, import TFLite into
 * ONNX through the importer's cache), so a missing or corrupt model is a one-line MODEL_* error.
 */
export interface ModelSourceOptions {
  modelsDir?: string;
  session?: SessionOptions;
  log?: Logger;
}

export async function openSegmenterModel(
  spec: SegmenterSpec,
  options: ModelSourceOptions = {},
): Promise<ModelSession> {
  const { session } = await openModel(spec.registryName, {
    modelsDir: options.modelsDir,
    session: { log: options.log, label: `segmentation model '${spec.name}'`, ...options.session },
  });
  return session;
}
