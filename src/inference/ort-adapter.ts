import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DeviceName } from '../config/schema.ts';
import { StylecastError } from '../core/errors.ts';
import { isShared } from '../core/shared-memory.ts';

/**
 * The only importer of onnxruntime-node. It runs wherever a session lives: inside the session worker
 * thread (the default) or inline on the caller's thread. It maps --device to execution providers, opens
 * sessions with CPU fallback, and converts tensors to and from plain typed arrays.
 */

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

export interface OrtOpenOptions {
  device: DeviceName;
  /** 0 = ORT's default (one per physical core). */
  threads: number;
  graphOptimization: GraphOptimization;
  /** ORT's worker threads busy-wait between ops by default; off saves CPU shared with capture/encode. */
  spinning: boolean;
}

export interface TensorMeta {
  name: string;
  type: string;
  /** Numbers are fixed sizes; strings are symbolic (any size); an empty array means unknown rank. */
  dims: (number | string)[];
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: string;
  /** One line saying what was asked and what runs (logged once by the caller). */
  note: string;
  fellBack: boolean;
  inputs: TensorMeta[];
  outputs: TensorMeta[];
}

export interface PlainTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** --device value -> ORT execution providers to try, in order (CPU is always the last resort). */
export const DEVICE_PROVIDERS: Readonly<Record<Exclude<DeviceName, 'auto' | 'cpu'>, readonly string[]>> =
  Object.freeze({
    cuda: ['cuda'],
    tensorrt: ['tensorrt', 'cuda'],
    dml: ['dml'],
    coreml: ['coreml'],
    webgpu: ['webgpu'],
  });

/**
 * What `auto` tries on this OS. WebGPU stays opt-in: on a machine without a GPU it prints Vulkan loader
 * noise before failing, and CUDA is tried only when onnxruntime-node's postinstall fetched its libraries.
 */
export function autoProviders(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') return ['dml'];
  if (platform === 'darwin') return ['coreml'];
  return cudaLibraryPresent() ? ['cuda'] : [];
}

function cudaLibraryPresent(): boolean {
  try {
    const binding = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
    const dir = join(binding, '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(dir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/** Providers bundled with (or installed beside) this onnxruntime-node build. */
export function listBackends(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

// Native provider probes log their own failures at 'error'; the one line we log says it better.
ort.env.logLevel = 'fatal';

export async function openOrtSession(
  model: string | Uint8Array,
  options: OrtOpenOptions,
  label: string,
): Promise<OpenedSession> {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.graphOptimization,
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    extra: { session: { 'intra_op.allow_spinning': options.spinning ? '1' : '0' } },
  };
  const wanted =
    options.device === 'auto'
      ? autoProviders()
      : options.device === 'cpu'
        ? []
        : [...DEVICE_PROVIDERS[options.device]];
  const failures: string[] = [];
  for (const provider of wanted) {
    try {
      // The provider alone: with ['dml', 'cpu'] onnxruntime-common silently drops a provider this build
      // lacks. ORT still places nodes the provider cannot run on its CPU kernels.
      const session = await create(model, { ...base, executionProviders: [providerConfig(provider)] });
      return describe(session, provider, `${label}: device '${options.device}' -> running on ${provider}`);
    } catch (error) {
      failures.push(`${provider}: ${firstLine(error)}`);
    }
  }
  const session = await createOrExplain(model, { ...base, executionProviders: ['cpu'] }, label);
  const tried = failures.length ? ` (${failures.join('; ')})` : '';
  const fellBack = options.device !== 'cpu' && options.device !== 'auto';
  const note = fellBack
    ? `${label}: device '${options.device}' asked but unavailable, running on cpu${tried}`
    : `${label}: device '${options.device}' -> running on cpu${tried}`;
  return { ...describe(session, 'cpu', note), fellBack };
}

/**
 * Per-provider options. WebGPU: Dawn's validation layer costs ~25 % per style transform (measured on an
 * H200: 13.8 -> 10.7 ms per 384x384 tile), and our graphs are fixed, so it is turned off.
 */
function providerConfig(provider: string): ort.InferenceSession.ExecutionProviderConfig {
  if (provider === 'webgpu')
    return { name: 'webgpu', validationMode: 'disabled' } as ort.InferenceSession.ExecutionProviderConfig;
  return provider;
}

function describe(session: ort.InferenceSession, provider: string, note: string): OpenedSession {
  return {
    session,
    provider,
    note,
    fellBack: false,
    inputs: session.inputMetadata.map(toMeta),
    outputs: session.outputMetadata.map(toMeta),
  };
}

function toMeta(meta: ort.InferenceSession.ValueMetadata): TensorMeta {
  if (!meta.isTensor) return { name: meta.name, type: 'non-tensor', dims: [] };
  return { name: meta.name, type: meta.type, dims: [...meta.shape] };
}

const create = (model: string | Uint8Array, opts: ort.InferenceSession.SessionOptions) =>
  typeof model === 'string'
    ? ort.InferenceSession.create(model, opts)
    : ort.InferenceSession.create(model, opts);

async function createOrExplain(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  label: string,
): Promise<ort.InferenceSession> {
  try {
    return await create(model, options);
  } catch (error) {
    throw new StylecastError(
      'MODEL_CORRUPT',
      `${label} cannot be loaded by ONNX Runtime: ${firstLine(error)}`,
      'run `stylecast models verify`, or pull the model again with `stylecast models pull`',
      { cause: error },
    );
  }
}

/** Arrays one session reuses for its feeds (ORT rejects views on shared memory, so those are staged). */
export type FeedStaging = Map<string, Float32Array>;

/**
 * Runs synchronously inside ORT (the binding blocks its thread): call it off the main thread.
 * `into`: arrays (shared memory) the named outputs are copied into instead of returned fresh, so a
 * caller that runs every frame allocates nothing; an output of another size comes back fresh.
 */
export async function runOrt(
  session: ort.InferenceSession,
  feeds: Record<string, PlainTensor>,
  into?: Record<string, Float32Array>,
  staging: FeedStaging = new Map(),
): Promise<Record<string, PlainTensor>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, feed] of Object.entries(feeds)) {
    ortFeeds[name] = new ort.Tensor('float32', ortReadable(feed.data, name, staging), feed.dims as number[]);
  }
  const results = await session.run(ortFeeds);
  const out: Record<string, PlainTensor> = {};
  for (const [name, tensor] of Object.entries(results)) {
    const data =
      tensor.data instanceof Float32Array
        ? intoOrSelf(tensor.data, into?.[name])
        : // Other output types (int64 class maps, bool masks) become float32 so TensorData stays one type.
          Float32Array.from(tensor.data as ArrayLike<number | bigint>, Number);
    out[name] = { data, dims: [...tensor.dims] };
  }
  return out;
}

/** `target` holding a copy of `data` when it has the same size, else `data` itself. */
function intoOrSelf(data: Float32Array, target: Float32Array | undefined): Float32Array {
  if (target?.length !== data.length) return data;
  target.set(data);
  return target;
}

/** The feed itself, or (shared memory) a copy in the staging array kept for that input. */
function ortReadable(data: Float32Array, name: string, staging: FeedStaging): Float32Array {
  if (!isShared(data)) return data;
  let staged = staging.get(name);
  if (staged?.length !== data.length) {
    staged = new Float32Array(data.length);
    staging.set(name, staged);
  }
  staged.set(data);
  return staged;
}

export const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0];
