import * as ort from 'onnxruntime-node';
import type { DeviceName } from '../config/schema.ts';
import { StylecastError } from '../core/errors.ts';
import { type Logger, silentLogger } from '../core/log.ts';

/**
 * The one adapter over onnxruntime-node: nothing else imports it. Sessions take and return plain
 * typed arrays with dims, so callers never touch ORT types.
 */

export interface TensorData {
  data: Float32Array;
  dims: readonly number[];
}

export interface SessionOptions {
  device?: DeviceName;
  /** 0 = ORT's default (all cores). */
  threads?: number;
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  log?: Logger;
  /** Name for logs and errors (the model's registry name or file). */
  label?: string;
}

export interface ModelSession {
  readonly label: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The execution provider that actually runs ('cpu', 'cuda', …). */
  readonly provider: string;
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

/** --device value -> ORT execution providers to try, in order (CPU is always the fallback). */
const DEVICE_PROVIDERS: Record<Exclude<DeviceName, 'auto'>, string[]> = {
  cpu: ['cpu'],
  cuda: ['cuda'],
  tensorrt: ['tensorrt', 'cuda'],
  dml: ['dml'],
  coreml: ['coreml'],
  webgpu: ['webgpu'],
};

export async function createSession(
  model: string | Uint8Array,
  options: SessionOptions = {},
): Promise<ModelSession> {
  const log = options.log ?? silentLogger();
  const label = options.label ?? (typeof model === 'string' ? model : 'model');
  const device = options.device ?? 'cpu';
  const wanted = device === 'auto' || device === 'cpu' ? [] : DEVICE_PROVIDERS[device];
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.graphOptimization ?? 'all',
    intraOpNumThreads: options.threads ?? 0,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
  let session: ort.InferenceSession | undefined;
  let provider = 'cpu';
  for (const candidate of wanted) {
    try {
      session = await open(model, { ...sessionOptions, executionProviders: [candidate, 'cpu'] });
      provider = candidate;
      break;
    } catch (error) {
      log.warn(
        `${label}: device '${device}' asked, provider '${candidate}' unavailable (${firstLine(error)}); using cpu`,
      );
    }
  }
  session ??= await openOrExplain(model, { ...sessionOptions, executionProviders: ['cpu'] }, label);
  const opened = session;
  return {
    label,
    inputNames: opened.inputNames,
    outputNames: opened.outputNames,
    provider,
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const name of opened.inputNames) {
        const feed = feeds[name];
        if (!feed)
          throw new Error(`${label}: missing input '${name}' (got ${Object.keys(feeds).join(', ')})`);
        ortFeeds[name] = new ort.Tensor('float32', feed.data, feed.dims as number[]);
      }
      const results = await opened.run(ortFeeds);
      const out: Record<string, TensorData> = {};
      for (const [name, tensor] of Object.entries(results)) {
        out[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
      }
      return out;
    },
    release: () => opened.release(),
  };
}

function open(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  return typeof model === 'string'
    ? ort.InferenceSession.create(model, options)
    : ort.InferenceSession.create(model, options);
}

async function openOrExplain(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  label: string,
): Promise<ort.InferenceSession> {
  try {
    return await open(model, options);
  } catch (error) {
    throw new StylecastError(
      'MODEL_CORRUPT',
      `${label} cannot be loaded by ONNX Runtime: ${firstLine(error)}`,
      'run `stylecast models verify`, or pull the model again with `stylecast models pull`',
      { cause: error },
    );
  }
}

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0];
