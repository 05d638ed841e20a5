import { StylecastError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ModelSession, SessionOptions } from '../runtime.ts';
import { createSession } from '../runtime.ts';
import type { SessionPool } from '../session-pool.ts';
import { dimsMatch } from '../tensor-check.ts';
import {
  assertVerified,
  importCacheDir,
  type LocateOptions,
  type ModelSource,
  resolveModel,
} from './locate.ts';
import type { NamedEntry } from './manifest.ts';

/**
 * From a registry name to something ONNX Runtime opens: find the file, check its size and sha256, and
 * import TFLite into ONNX through the importer's on-disk cache. openModel() then checks the session's
 * tensors against the manifest, so a wrong model fails at load with its file named, not mid-stream.
 */

export interface LoadOptions extends LocateOptions {
  /** Check size + sha256 before use (default true; ~10 ms for the largest model). */
  verify?: boolean;
  /** Where a repaired import cache entry is reported (a fresh stderr logger when absent). */
  log?: Logger;
}

export interface LoadedModel {
  /** ONNX bytes (imported TFLite) or the path of an .onnx file. */
  onnx: Uint8Array | string;
  entry: NamedEntry;
  path: string;
  source: ModelSource;
  /** For TFLite: whether the import came from the cache, and where it is. */
  imported?: { cached: boolean; cachePath: string };
}

export async function loadOnnx(name: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const { path, entry, source } = resolveModel(name, options);
  if (options.verify ?? true) await assertVerified(path, entry);
  if (entry.format === 'onnx') return { onnx: path, entry, path, source };
  // Loaded on first TFLite use: .onnx models do not need the importer.
  const { importTfliteFile } = await import('../tflite/import.ts');
  const result = await importTfliteFile(path, { cacheDir: importCacheDir(options), log: options.log });
  return {
    onnx: result.onnx,
    entry,
    path,
    source,
    imported: { cached: result.cached, cachePath: result.cachePath },
  };
}

export interface OpenModelOptions extends LoadOptions {
  session?: SessionOptions;
  /** Share sessions across callers (effects switching back and forth reuse them). */
  pool?: SessionPool;
}

/** loadOnnx + a session + the manifest shape check. The caller releases the session. */
export async function openModel(
  name: string,
  options: OpenModelOptions = {},
): Promise<{ session: ModelSession; model: LoadedModel }> {
  const model = await loadOnnx(name, { ...options, log: options.log ?? options.session?.log });
  const sessionOptions: SessionOptions = { label: name, ...options.session };
  // A dynamic-shape model cannot warm up on declared dims it might not use: skip unless asked.
  if (model.entry.dynamicSpatial) sessionOptions.warmup ??= false;
  const session = options.pool
    ? await options.pool.acquire(model.onnx, sessionOptions)
    : await createSession(model.onnx, sessionOptions);
  try {
    checkSessionAgainstManifest(session, model.entry, model.path);
  } catch (error) {
    await session.release();
    throw error;
  }
  return { session, model };
}

/** Input count and dims must match the manifest (symbolic dims in the session accept anything). */
export function checkSessionAgainstManifest(
  session: Pick<ModelSession, 'inputs' | 'outputs'>,
  entry: NamedEntry,
  file: string,
): void {
  const fail = (what: string) =>
    new StylecastError(
      'MODEL_SHAPE',
      `model '${entry.name}' at ${file} does not have the expected tensors: ${what}`,
      `delete it and run \`stylecast models pull ${entry.name}\`; a custom model needs its own manifest entry`,
    );
  if (session.inputs.length !== entry.inputs.length) {
    throw fail(`${session.inputs.length} inputs, expected ${entry.inputs.length}`);
  }
  entry.inputs.forEach((want, i) => {
    const got = session.inputs[i];
    const declared = got.dims.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
    const ok = declared.length === want.dims.length && dimsMatch(got.dims, want.dims);
    if (!ok) {
      throw fail(`input ${i} ('${got.name}') is [${got.dims.join(',')}], expected [${want.dims.join(',')}]`);
    }
  });
}
