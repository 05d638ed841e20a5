import { Worker } from 'node:worker_threads';
import type { DeviceName } from '../config/schema.ts';
import { ERROR_CODES, type ErrorKey, StylecastError } from '../core/errors.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import { isShared } from '../core/shared-memory.ts';
import type {
  FeedStaging,
  GraphOptimization,
  OrtOpenOptions,
  PlainTensor,
  TensorMeta,
} from './ort-adapter.ts';
import { validateFeeds, zeroFeeds } from './tensor-check.ts';
import type { FromWorker, ToWorker, WorkerFailure } from './worker/protocol.ts';

/**
 * The one session interface the pipeline uses. Sessions take and return plain typed arrays with dims, so
 * callers never touch ORT types. By default each session lives on its own worker thread: onnxruntime-node's
 * run() is synchronous on its thread (measured: a 17 ms SINet run stalls the event loop ~20 ms per call),
 * which would freeze capture, sockets and the API while a model runs.
 */

export type { TensorMeta };

export interface TensorData {
  data: Float32Array;
  dims: readonly number[];
}

export interface SessionOptions {
  device?: DeviceName;
  /** 0 = ORT's default (one per physical core). */
  threads?: number;
  graphOptimization?: GraphOptimization;
  log?: Logger;
  /** Name for logs and errors (the model's registry name or file). */
  label?: string;
  /** One run on zeros at creation so the first real frame is not slow (default true; skipped for symbolic dims). */
  warmup?: boolean;
  /** 'worker' (default) keeps the event loop free; 'inline' runs on the caller's thread (benchmarks). */
  isolation?: 'worker' | 'inline';
  /** Let ORT's threads busy-wait between ops (ORT's default, true): lower latency, more CPU burnt. */
  spinning?: boolean;
}

export interface ModelSession {
  readonly label: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly TensorMeta[];
  readonly outputs: readonly TensorMeta[];
  /** The execution provider that actually runs ('cpu', 'cuda', …). */
  readonly provider: string;
  /**
   * `into`: shared-memory arrays (core/shared-memory.ts) the named outputs are written into instead of
   * fresh arrays; they hold the result until the next run. Feeds on shared memory travel to the
   * session's thread without a copy. Together: a model run every frame allocates nothing here.
   */
  run(
    feeds: Record<string, TensorData>,
    into?: Record<string, Float32Array>,
  ): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

/** The ORT-level options a session is opened with, defaults filled in (also the pool's key). */
export function ortOptions(options: SessionOptions): OrtOpenOptions {
  return {
    device: options.device ?? 'auto',
    threads: options.threads ?? 0,
    graphOptimization: options.graphOptimization ?? 'all',
    spinning: options.spinning ?? true,
  };
}

export async function createSession(
  model: string | Uint8Array,
  options: SessionOptions = {},
): Promise<ModelSession> {
  const log = options.log ?? silentLogger();
  const label = options.label ?? (typeof model === 'string' ? model : 'model');
  const open = ortOptions(options);
  const session =
    options.isolation === 'inline'
      ? await openInline(model, open, label, log)
      : await openInWorker(model, open, label, log);
  if (options.warmup ?? true) {
    const zeros = zeroFeeds(session.inputs);
    if (zeros) {
      try {
        await session.run(zeros);
      } catch (error) {
        await session.release();
        throw error;
      }
    }
  }
  return session;
}

/** What a ModelSession says about itself, the same whichever thread it runs on. */
function describeOpened(
  label: string,
  opened: Pick<ModelSession, 'inputs' | 'outputs' | 'provider'>,
): Pick<ModelSession, 'label' | 'inputNames' | 'outputNames' | 'inputs' | 'outputs' | 'provider'> {
  return {
    label,
    inputNames: opened.inputs.map((i) => i.name),
    outputNames: opened.outputs.map((o) => o.name),
    inputs: opened.inputs,
    outputs: opened.outputs,
    provider: opened.provider,
  };
}

function logOpened(log: Logger, opened: { note: string; fellBack: boolean }): void {
  if (opened.fellBack) log.warn(opened.note);
  else log.info(opened.note);
}

async function openInline(
  model: string | Uint8Array,
  options: OrtOpenOptions,
  label: string,
  log: Logger,
): Promise<ModelSession> {
  const { openOrtSession, runOrt } = await import('./ort-adapter.ts');
  const opened = await openOrtSession(model, options, label);
  logOpened(log, opened);
  let released = false;
  const staging: FeedStaging = new Map();
  return {
    ...describeOpened(label, opened),
    async run(feeds, into) {
      if (released) throw new Error(`${label}: session already released`);
      validateFeeds(label, opened.inputs, feeds);
      return runOrt(opened.session, feeds, into, staging);
    },
    async release() {
      if (released) return;
      released = true;
      await opened.session.release();
    },
  };
}

const WORKER_URL = new URL('./worker/session-worker.js', import.meta.url);

async function openInWorker(
  model: string | Uint8Array,
  options: OrtOpenOptions,
  label: string,
  log: Logger,
): Promise<ModelSession> {
  const worker = new Worker(WORKER_URL);
  const pending = new Map<
    number,
    { resolve: (o: Record<string, TensorData>) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let dead: Error | undefined;
  let onOpened: ((m: FromWorker) => void) | undefined;
  let onReleased: (() => void) | undefined;

  const die = (error: Error) => {
    dead ??= error;
    for (const { reject } of pending.values()) reject(dead);
    pending.clear();
    onOpened?.({ op: 'open-failed', error: { message: dead.message } });
    onReleased?.();
  };
  worker.on('error', (error) => die(new Error(`${label}: inference worker failed: ${error.message}`)));
  worker.on('exit', (code) => die(new Error(`${label}: inference worker exited (code ${code})`)));
  worker.on('message', (message: FromWorker) => {
    if (message.op === 'result' || message.op === 'run-failed') {
      const entry = pending.get(message.id);
      pending.delete(message.id);
      if (pending.size === 0) worker.unref();
      if (message.op === 'result') entry?.resolve(message.outputs);
      else entry?.reject(rebuild(message.error));
    } else if (message.op === 'released') {
      onReleased?.();
    } else {
      onOpened?.(message);
    }
  });

  const post = (message: ToWorker) => worker.postMessage(message);
  const opened = await new Promise<FromWorker>((resolve) => {
    onOpened = resolve;
    post({ op: 'open', model, options, label });
  });
  onOpened = undefined;
  if (opened.op !== 'opened') {
    await worker.terminate();
    throw opened.op === 'open-failed'
      ? rebuild(opened.error)
      : new Error(`${label}: unexpected ${opened.op}`);
  }
  logOpened(log, opened);
  // An idle session must not keep the process alive; a pending run does.
  worker.unref();

  let released = false;
  return {
    ...describeOpened(label, opened),
    run(feeds, into) {
      if (released) return Promise.reject(new Error(`${label}: session already released`));
      if (dead) return Promise.reject(dead);
      try {
        validateFeeds(label, opened.inputs, feeds);
      } catch (error) {
        return Promise.reject(error);
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: (outputs) => resolve(adoptInto(outputs, into)), reject });
        worker.ref();
        post({ op: 'run', id, feeds: feeds as Record<string, PlainTensor>, into });
      });
    },
    async release() {
      if (released) return;
      released = true;
      if (!dead) {
        await new Promise<void>((resolve) => {
          onReleased = resolve;
          worker.ref();
          post({ op: 'release' });
        });
      }
      await worker.terminate();
    },
  };
}

/**
 * The worker wrote these outputs into the caller's shared arrays and sent back views on the same
 * memory: hand the caller its own arrays (a worker only ever returns shared memory it was given).
 */
function adoptInto(
  outputs: Record<string, TensorData>,
  into: Record<string, Float32Array> | undefined,
): Record<string, TensorData> {
  if (!into) return outputs;
  for (const [name, tensor] of Object.entries(outputs)) {
    const target = into[name];
    if (target?.length === tensor.data.length && isShared(tensor.data))
      outputs[name] = { ...tensor, data: target };
  }
  return outputs;
}

function rebuild(error: WorkerFailure): Error {
  if (error.key && error.key in ERROR_CODES) {
    return new StylecastError(error.key as ErrorKey, error.message, error.hint);
  }
  return new Error(error.message);
}
