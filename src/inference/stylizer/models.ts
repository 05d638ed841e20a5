import { StylecastError } from '../../core/errors.ts';
import { candidatePaths, isPresent, type LocateOptions, loadOnnx, modelEntry } from '../registry/index.ts';
import { freeContentSize } from './free-size.ts';

/**
 * Which Magenta style models to use, through the model registry: found in the models folder
 * (config inference.modelsDir / STYLECAST_MODELS) or the per-user cache where `stylecast models pull`
 * puts them, checked against the manifest's sha256, and imported to ONNX (cached) by our importer.
 */

export type StyleVariant = 'int8' | 'fp16' | 'dynamic';
export const STYLE_VARIANT_ORDER: readonly StyleVariant[] = ['int8', 'fp16', 'dynamic'];

export const PREDICT_MODEL = 'style-predict-int8';
export const TRANSFORM_MODELS: Record<StyleVariant, string> = {
  int8: 'style-transform-int8',
  fp16: 'style-transform-fp16',
  dynamic: 'style-transform-dynamic',
};

/**
 * 'auto' = the fastest variant that holds quality. Measured here (bench/style.bench.ts, ORT CPU,
 * 2 threads, 384 tile p50): fp16 42-45 ms, int8 44-125 ms, dynamic 42-50 ms (imported at a fixed 384,
 * so no faster); int8 was never faster and up to 3x slower when the cores are contended (its
 * quantize/dequantize pairs stay in the graph), fp16 weights become fp32 at import. All meet the golden
 * (fp16 7.3/255), so fp16 first.
 */
export const AUTO_VARIANT_ORDER: readonly StyleVariant[] = ['fp16', 'int8', 'dynamic'];

export type { LocateOptions };

/** The variant that would run ('auto': the first present), or undefined when the models are absent. */
export function findStyleModels(
  variant: StyleVariant | 'auto',
  options: LocateOptions = {},
): { variant: StyleVariant } | undefined {
  if (!isPresent(PREDICT_MODEL, options)) return undefined;
  const order = variant === 'auto' ? AUTO_VARIANT_ORDER : [variant];
  const found = order.find((v) => isPresent(TRANSFORM_MODELS[v], options));
  return found ? { variant: found } : undefined;
}

export function requireStyleModels(variant: StyleVariant | 'auto', options: LocateOptions = {}) {
  const found = findStyleModels(variant, options);
  if (found) return found;
  const what =
    variant === 'auto' ? 'the Magenta style models are' : `the ${variant} style transform model is`;
  const where = [
    ...new Set(
      candidatePaths(modelEntry(PREDICT_MODEL), options).map((c) => c.path.replace(/\/[^/]+\/[^/]+$/, '')),
    ),
  ];
  throw new StylecastError(
    'MODEL_NOT_FOUND',
    `${what} not installed`,
    `run \`stylecast models pull\` to get them (looked in ${where.join(', ')})`,
  );
}

export interface StyleModelBytes {
  predict: Uint8Array;
  transform: Uint8Array;
  variant: StyleVariant;
  /** sha256 of the predict model: part of every cached bottleneck's key. */
  predictHash: string;
}

/** Both models as ONNX bytes (the importer caches by sha256, so this is fast after the first time). */
export async function loadStyleModelBytes(
  variant: StyleVariant | 'auto',
  options: LocateOptions = {},
): Promise<StyleModelBytes> {
  const chosen = requireStyleModels(variant, options).variant;
  const [predict, transform] = await Promise.all([
    loadOnnx(PREDICT_MODEL, options),
    loadOnnx(TRANSFORM_MODELS[chosen], options),
  ]);
  if (typeof predict.onnx === 'string' || typeof transform.onnx === 'string')
    throw new Error('style models are TFLite: the registry should have imported them to ONNX bytes');
  return {
    predict: predict.onnx,
    // Free height and width: the quick single painting runs at the frame's own aspect (free-size.ts).
    transform: freeContentSize(transform.onnx),
    variant: chosen,
    predictHash: predict.entry.sha256,
  };
}
