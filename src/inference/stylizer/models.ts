import { type ErrorKey, isStylecastError, StylecastError } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import {
  candidatePaths,
  isPresent,
  type LoadedModel,
  type LoadOptions,
  type LocateOptions,
  loadOnnx,
  modelEntry,
} from '../registry/index.ts';
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
  options: LoadOptions = {},
): Promise<StyleModelBytes> {
  const first = requireStyleModels(variant, options).variant;
  const candidates =
    variant === 'auto'
      ? AUTO_VARIANT_ORDER.slice(AUTO_VARIANT_ORDER.indexOf(first)).filter((v) =>
          isPresent(TRANSFORM_MODELS[v], options),
        )
      : [first];
  const [predict, { transform, chosen }] = await Promise.all([
    loadOnnx(PREDICT_MODEL, options),
    loadFirstTransform(candidates, options),
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

/** What a damaged, altered or unusable model file throws; other errors (a cache folder, a bug) do not fall back. */
const MODEL_FILE_PROBLEMS: ReadonlySet<ErrorKey> = new Set([
  'MODEL_CORRUPT',
  'MODEL_CHECKSUM',
  'MODEL_SHAPE',
  'MODEL_UNSUPPORTED_OP',
  'MODEL_NOT_FOUND',
]);

/**
 * The first transform variant that loads. 'auto' means "whichever works, fastest first": a damaged
 * fp16 file used to stop stylize (and the style effects) although the int8 one was there; now it costs
 * one warning naming the file and how to fix it. A variant asked for by name still fails.
 */
async function loadFirstTransform(
  candidates: readonly StyleVariant[],
  options: LoadOptions,
): Promise<{ transform: LoadedModel; chosen: StyleVariant }> {
  for (const [i, variant] of candidates.entries()) {
    try {
      return { transform: await loadOnnx(TRANSFORM_MODELS[variant], options), chosen: variant };
    } catch (error) {
      const next = candidates[i + 1];
      if (!next || !isStylecastError(error) || !MODEL_FILE_PROBLEMS.has(error.key)) throw error;
      // The logger is created only here when the caller passed none: this line must reach the user.
      (options.log ?? createLogger()).warn(
        `${error.message}; using the ${next} style transform instead${error.hint ? ` (hint: ${error.hint})` : ''}`,
      );
    }
  }
  throw new Error('no style transform variant to load'); // requireStyleModels found at least one
}
