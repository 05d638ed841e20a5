import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { defaultCacheDir, ENV } from '../../core/env.ts';
import { isStylecastError, StylecastError } from '../../core/errors.ts';
import { makeFolder, refusalReason } from '../../core/folders.ts';
import { createLogger, type Logger } from '../../core/log.ts';
import { OnnxGraphBuilder } from '../onnx/graph-builder.ts';
import { BuiltinOp } from './builtin-ops.ts';
import { ConvertContext, type ImportSettings, NCHW_TO_NHWC, NHWC_TO_NCHW } from './context.ts';
import { CorruptFlatbufferError } from './flatbuffer-table.ts';
import { type ChannelGateMatch, findChannelGates } from './fuse-channel-gate.ts';
import { findInstanceNorms, type InstanceNormMatch } from './fuse-instance-norm.ts';
import { findPhaseDownsamples, type PhaseDownsampleMatch } from './fuse-phase-downsample.ts';
import { findUpsampleConvs, type UpsampleConvMatch } from './fuse-upsample-conv.ts';
import { GraphView } from './graph-view.ts';
import { readCacheEntry, sha256Hex, writeCacheEntry } from './import-cache.ts';
import { convertChannelGate } from './ops/channel-gate.ts';
import { BUILTIN_CONVERTERS, CUSTOM_CONVERTERS } from './ops/index.ts';
import { convertInstanceNorm } from './ops/instance-norm.ts';
import { convertPhaseDownsample } from './ops/phase-downsample.ts';
import { convertUpsampleConv } from './ops/upsample-conv.ts';
import { readTfliteModel, TENSOR_TYPE_NAMES, TensorType } from './schema.ts';

/** Bump when the importer's output changes: cached imports from other versions are then ignored. */
export const IMPORTER_VERSION = 5;

export interface ImportOptions extends Partial<ImportSettings> {
  /** Name used in errors and as the ONNX graph name. */
  modelName?: string;
}

/**
 * Converts a .tflite model (first subgraph) into ONNX ModelProto bytes. Inputs and outputs keep the
 * TFLite names, shapes and NHWC layout; everything inside is NCHW.
 */
export function importTflite(bytes: Uint8Array, options: ImportOptions = {}): Uint8Array {
  const modelName = options.modelName ?? 'model.tflite';
  try {
    return convert(bytes, modelName, {
      quantizedActivations: options.quantizedActivations ?? 'dequantize',
      fuseInstanceNorm: options.fuseInstanceNorm ?? true,
      rewriteNarrowConvs: options.rewriteNarrowConvs ?? true,
      fuseUpsampleConv: options.fuseUpsampleConv ?? true,
      expandChannelGates: options.expandChannelGates ?? true,
    });
  } catch (error) {
    if (isStylecastError(error)) throw error;
    if (error instanceof CorruptFlatbufferError || error instanceof RangeError) {
      throw new StylecastError(
        'MODEL_CORRUPT',
        `${modelName} is not a valid TFLite model: ${error.message}`,
        'the file is damaged or truncated, or is not a .tflite file; download it again',
        { cause: error },
      );
    }
    throw error;
  }
}

function convert(bytes: Uint8Array, modelName: string, settings: ImportSettings): Uint8Array {
  const model = readTfliteModel(bytes);
  const subgraph = model.subgraphs[0];
  const g = new OnnxGraphBuilder({
    name: modelName,
    docString: `imported from ${modelName} by stylecast's TFLite importer v${IMPORTER_VERSION}`,
  });
  const ctx = new ConvertContext(model, subgraph, g, modelName, settings);
  const io = (index: number) => {
    const tensor = subgraph.tensors[index];
    if (!tensor) throw new CorruptFlatbufferError(`graph input/output ${index} is not a tensor`);
    if (tensor.type !== TensorType.FLOAT32) {
      throw new StylecastError(
        'MODEL_UNSUPPORTED_OP',
        `${modelName}: tensor '${tensor.name}' at the model's edge is ${TENSOR_TYPE_NAMES[tensor.type] ?? tensor.type}; only float32 inputs and outputs are supported`,
        'use a float-I/O variant of the model',
      );
    }
    return tensor;
  };
  const outputs = subgraph.outputs.map(io);
  for (const tensor of outputs) g.unique(tensor.name); // reserve the public names

  for (const index of subgraph.inputs) {
    const tensor = io(index);
    const shape = [...tensor.shape];
    g.addInput(tensor.name, shape);
    const internal =
      shape.length === 4 ? g.add('Transpose', [tensor.name], { perm: NHWC_TO_NCHW }) : tensor.name;
    ctx.setValue(index, { kind: 'tensor', name: internal, shape });
  }

  const view = new GraphView(model, subgraph, settings.quantizedActivations === 'dequantize');
  const norms = settings.fuseInstanceNorm ? findInstanceNorms(view) : new Map<number, InstanceNormMatch>();
  const upsampleConvs = settings.fuseUpsampleConv
    ? findUpsampleConvs(view)
    : new Map<number, UpsampleConvMatch>();
  // Its intermediate would skip int8 rounding, so only when activations are computed in float.
  const downsamples =
    settings.rewriteNarrowConvs && settings.quantizedActivations === 'dequantize'
      ? findPhaseDownsamples(view)
      : new Map<number, PhaseDownsampleMatch>();
  const gates = settings.expandChannelGates ? findChannelGates(view) : new Map<number, ChannelGateMatch>();
  const replaced = new Set(
    [...norms.values(), ...upsampleConvs.values(), ...downsamples.values()].flatMap((match) => [
      ...match.replaced,
    ]),
  );

  for (const op of subgraph.operators) {
    if (replaced.has(op.index)) continue;
    ctx.begin(op);
    const norm = norms.get(op.index);
    if (norm) {
      convertInstanceNorm(ctx, norm);
      continue;
    }
    const downsample = downsamples.get(op.index);
    if (downsample) {
      convertPhaseDownsample(ctx, downsample);
      continue;
    }
    const gate = gates.get(op.index);
    if (gate) {
      convertChannelGate(ctx, gate);
      continue;
    }
    const upsampleConv = upsampleConvs.get(op.index);
    if (upsampleConv) {
      convertUpsampleConv(ctx, upsampleConv);
      continue;
    }
    const code = model.operatorCodes[op.opcodeIndex];
    const converter =
      code.builtin === BuiltinOp.CUSTOM
        ? CUSTOM_CONVERTERS.get(code.custom ?? '')
        : BUILTIN_CONVERTERS.get(code.builtin);
    if (!converter) return ctx.unsupported('is not supported by the importer');
    converter(ctx);
  }

  for (const [k, tensor] of outputs.entries()) {
    const value = ctx.valueOf(subgraph.outputs[k]);
    if (value?.kind !== 'tensor') {
      throw new StylecastError(
        'MODEL_UNSUPPORTED_OP',
        `${modelName}: output '${tensor.name}' is ${value ? 'a constant' : 'never computed'}`,
        'the model has no computation for this output',
      );
    }
    if (value.shape.length === 4) {
      g.addNode('Transpose', [value.name], [tensor.name], { perm: NCHW_TO_NHWC });
    } else {
      g.addNode('Identity', [value.name], [tensor.name]);
    }
    g.addOutput(tensor.name, value.shape);
  }
  return g.toBytes();
}

export interface ImportedFile {
  onnx: Uint8Array;
  /** True when the result came from the cache (no conversion ran). */
  cached: boolean;
  cachePath: string;
  /** What was wrong with the cache entry this call replaced (it was damaged), if anything. */
  repaired?: string;
}

/** The folder imports are cached in: `<cache dir>/onnx`. */
export const defaultImportCacheDir = (): string => join(defaultCacheDir(), 'onnx');

/** Where the import of a .tflite file with this sha256 is cached. */
export const importCachePath = (cacheDir: string, sourceSha256: string): string =>
  join(cacheDir, `${sourceSha256}-v${IMPORTER_VERSION}.onnx`);

/**
 * Imports a .tflite file, caching the result under `cacheDir` (default `<cache dir>/onnx`) keyed by the
 * file's sha256 and IMPORTER_VERSION, with a checksum of the ONNX bytes beside it (import-cache.ts): a
 * damaged entry is converted again and rewritten, with one warning naming it.
 */
export async function importTfliteFile(
  path: string,
  options: { cacheDir?: string; log?: Logger } = {},
): Promise<ImportedFile> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new StylecastError(
      'MODEL_NOT_FOUND',
      `cannot read ${path}: ${(error as Error).message}`,
      'check the path',
      {
        cause: error,
      },
    );
  }
  const dir = options.cacheDir ?? defaultImportCacheDir();
  const cachePath = importCachePath(dir, sha256Hex(bytes));
  const entry = await readCacheEntry(cachePath);
  if (entry.state === 'ok') return { onnx: entry.onnx, cached: true, cachePath };
  if (entry.state === 'damaged') {
    // A logger is created only here, for callers that pass none: this line must reach the user.
    (options.log ?? createLogger()).warn(
      `cached ONNX conversion ${cachePath} is damaged (${entry.problem}): converting ${basename(path)} again`,
    );
  }
  const onnx = importTflite(bytes, { modelName: basename(path) });
  try {
    makeFolder(dir);
    await writeCacheEntry(cachePath, onnx);
  } catch (error) {
    throw cacheWriteError(dir, cachePath, error);
  }
  const repaired = entry.state === 'damaged' ? entry.problem : undefined;
  return { onnx, cached: false, cachePath, ...(repaired ? { repaired } : {}) };
}

/** A cache folder that cannot be created or written is the user's setting to fix, not a bug. */
function cacheWriteError(dir: string, cachePath: string, error: unknown): StylecastError {
  const hint = `point ${ENV.cacheDir} at a folder you can write to (it holds pulled models and converted ONNX files)`;
  if (isStylecastError(error)) return new StylecastError(error.key, error.message, hint, { cause: error });
  const code = (error as NodeJS.ErrnoException).code;
  if (!code) throw error;
  return new StylecastError(
    'OUTPUT_FAILED',
    `cannot write the converted model to the cache folder ${dir}: ${refusalReason(code, cachePath)}`,
    hint,
    { cause: error },
  );
}
