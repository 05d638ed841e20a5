import type { InferenceSession } from 'onnxruntime-node';
import { encodeInput, type SegmenterSpec } from '../../inference/segmenters/spec.ts';
import { SEGMENTERS } from '../../inference/segmenters/specs.ts';
import { skipsModel } from '../mask/temporal.ts';

/**
 * The segmentation model, run by the pixel worker that finishes a frame's shrink (worker side). Run
 * there, a frame that needs the model skips two thread hops (the pool's answer to the main thread and
 * the main thread's request to the session's own thread) and the copy of the input between threads.
 * The skip-similar-frames gate is decided here too, since it needs the shrunk frame's luma.
 */

/** What the main thread opens in every worker once (`PixelPool.loadSegmenter`). */
export interface SegmenterLoad {
  key: string;
  /** The SEGMENTERS name (its encode and output rules). */
  spec: string;
  /** The ONNX model: a file path or its bytes. */
  model: string | Uint8Array;
  threads: number;
  label: string;
}

/** One frame's step: gate, then (unless skipped) encode + run + person probability. */
export interface SegmentStep {
  key: string;
  /** The model region, area-averaged RGB [0, 255] (dst's size), or the model's input itself (regionIsInput). */
  region: Float32Array;
  regionIsInput: boolean;
  dst: { x: number; y: number; width: number; height: number };
  /** The mask grid's RGB; its luma is written to `guide`. */
  gridRgb: Float32Array;
  guide: Float32Array;
  /** The last inferred frame's guide: the gate compares against it; rewritten when the model runs. */
  inferredGuide: Float32Array;
  /** The gate may skip this frame; skipped when the guide's PSNR against inferredGuide >= minPsnr. */
  maySkip: boolean;
  minPsnr: number;
  /** Receives P(person) at the model's input size when the model runs. */
  probability: Float32Array;
}

export interface SegmentResult {
  inferred: boolean;
  /** Encode + run + output, in this worker. */
  inferMs: number;
}

interface Loaded {
  spec: SegmenterSpec;
  session: InferenceSession;
  inputName: string;
  outputNames: string[];
  dims: number[];
  /** The model input, private to this worker: ORT reads it without a staging copy. */
  input: Float32Array;
  /** Held from loading: a dynamic import() per frame costs ~1 ms here (a round trip to the loader). */
  runOrt: typeof import('../../inference/ort-adapter.ts').runOrt;
}

const loaded = new Map<string, Loaded>();

export function loadSegmenter(load: SegmenterLoad): Promise<void> {
  return track(openSegmenter(load));
}

async function openSegmenter(load: SegmenterLoad): Promise<void> {
  if (loaded.has(load.key)) return;
  const spec = SEGMENTERS[load.spec];
  if (!spec) throw new Error(`unknown segmentation model '${load.spec}'`);
  // Loaded only by pools that run a model: the ORT binding is not needed for pure pixel work.
  const { openOrtSession, runOrt } = await import('../../inference/ort-adapter.ts');
  const opened = await openOrtSession(
    load.model,
    { device: 'cpu', threads: load.threads, graphOptimization: 'all', spinning: false },
    load.label,
  );
  const { inputWidth: w, inputHeight: h } = spec;
  loaded.set(load.key, {
    spec,
    session: opened.session,
    inputName: opened.inputs[0].name,
    outputNames: opened.outputs.map((o) => o.name),
    dims: spec.layout === 'nhwc' ? [1, h, w, 3] : [1, 3, h, w],
    input: new Float32Array(w * h * 3),
    runOrt,
  });
}

/** ORT calls that have not returned yet (session loads, runs): sessions are closed only after them. */
const inFlight = new Set<Promise<unknown>>();

function track<T>(call: Promise<T>): Promise<T> {
  inFlight.add(call);
  const forget = () => inFlight.delete(call);
  call.then(forget, forget);
  return call;
}

/**
 * Closes this worker's sessions once every load and run in flight has returned, before its thread
 * ends: a thread terminated inside an ORT call aborts the whole process.
 */
export async function closeSegmenters(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  const sessions = [...loaded.values()].map((model) => model.session);
  loaded.clear();
  await Promise.allSettled(sessions.map((session) => session.release()));
}

export function runSegmentStep(step: SegmentStep, started?: () => void): Promise<SegmentResult> {
  return track(segmentStep(step, started));
}

async function segmentStep(step: SegmentStep, started?: () => void): Promise<SegmentResult> {
  const model = loaded.get(step.key);
  if (!model) throw new Error(`segmentation model '${step.key}' is not loaded in this worker`);
  if (skipsModel(step.gridRgb, step.guide, step.inferredGuide, step.maySkip, step.minPsnr))
    return { inferred: false, inferMs: 0 };
  started?.();
  const start = performance.now();
  if (step.regionIsInput) model.input.set(step.region);
  else encodeInput(model.spec, step.region, step.dst, model.input);
  const outputs = await model.runOrt(model.session, {
    [model.inputName]: { data: model.input, dims: model.dims },
  });
  const plane = model.spec.personProbability(outputs, model.outputNames);
  if (plane.length !== step.probability.length)
    throw new Error(`${model.spec.name}: ${plane.length} output values, expected ${step.probability.length}`);
  step.probability.set(plane);
  step.inferredGuide.set(step.guide);
  return { inferred: true, inferMs: performance.now() - start };
}
