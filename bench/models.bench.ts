import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  isPresent,
  loadOnnx,
  modelEntry,
  modelNames,
  resolveModel,
} from '../src/inference/registry/index.ts';
import { createSession, type ModelSession } from '../src/inference/runtime.ts';
import type { BenchOptions, BenchSection } from './lib.ts';
import type { ProbeResult } from './models.probe.ts';

/**
 * The models table: for each registry model, on the same inputs and thread count (2), ms per inference on
 * ONNX Runtime (after our TFLite import) vs the TFLite 2.9 reference interpreter, the ratio, file size,
 * peak session memory, MACs and achieved GFLOP/s — the size / accuracy / latency trade-off table.
 * Each model is measured in its own process (models.probe.ts). A second table shows why sessions run on
 * a worker thread: event-loop stalls with ORT on the caller's thread vs on a worker.
 */

const THREADS = 2;
const REPO = fileURLToPath(new URL('..', import.meta.url));
/** STYLECAST_MODELS, else ../shared/models beside the clone (where this project's test data lives). */
const SHARED_MODELS = `${REPO}../shared/models`;
const MODELS_DIR = process.env.STYLECAST_MODELS || (existsSync(SHARED_MODELS) ? SHARED_MODELS : undefined);

/**
 * Issue 3's targets (ms at the model's input size; ratio = TFLite 2.9 ms / ORT ms) and, apart, its aim
 * for the transform: 2x the fp32 compute floor of these 2 cores.
 */
const TARGETS: Record<string, { maxMs?: number; minRatio?: number; aimMs?: number }> = {
  selfie: { maxMs: 4, minRatio: 5 },
  'style-transform-int8': { minRatio: 5, aimMs: 27 },
  'style-transform-fp16': { minRatio: 5, aimMs: 27 },
  'style-transform-fp16-hub': { minRatio: 5, aimMs: 27 },
  'style-transform-dynamic': { minRatio: 5, aimMs: 27 },
};
/** TFLite 2.9 selfie with its custom op patched out (environment.md): the interpreter cannot run it here. */
const SELFIE_TFLITE_REFERENCE_MS = 25;

export interface ModelRow {
  model: string;
  variant: string;
  input: string;
  fileKiB: number;
  /** The ONNX Runtime loads (after import: weights dequantized to float32). */
  onnxKiB: number;
  gmac: number | null;
  ortMs: number;
  /** ORT's default (spinning threads), alone. */
  ortSpinMs: number | null;
  tfliteMs: number | null;
  /** TFLite ms / ORT ms. */
  speedup: number | null;
  gflops: number | null;
  peakMiB: number;
  target: string;
  meets: boolean | null;
  /** The aim beside the target ('' when none), with whether this run reached it. */
  aim: string;
  note?: string;
}

function probe(
  name: string,
  runs: number,
  variant: string,
): Promise<Partial<ProbeResult> & { crashed?: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`${REPO}bin/run-ts.js`, `${REPO}bench/models.probe.ts`, name, String(runs), String(THREADS), variant],
      {
        cwd: REPO,
        timeout: 300_000,
        maxBuffer: 1 << 20,
        env: { ...process.env, STYLECAST_MODELS: MODELS_DIR ?? '' },
      },
      (error, stdout) => {
        const lines = stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Partial<ProbeResult>);
        const merged = Object.assign({}, ...lines) as Partial<ProbeResult> & { crashed?: string };
        if (error) merged.crashed = error.signal ? `crashed (${error.signal})` : `exit ${error.code}`;
        resolve(merged);
      },
    );
  });
}

export async function measureModels(quick: boolean): Promise<ModelRow[]> {
  const runs = quick ? 3 : 10;
  const jobs: { name: string; variant: string }[] = [];
  for (const name of modelNames()) {
    if (!isPresent(name, { modelsDir: MODELS_DIR })) continue; // `stylecast models pull` first
    jobs.push({ name, variant: 'default' });
    // int8 activations: the importer's default vs an exact QDQ graph (same weights), to keep the faster.
    if (modelEntry(name).precision === 'int8') jobs.push({ name, variant: 'simulate' });
  }
  // Import once here so the probes read the import cache and their RSS is the session's own.
  for (const job of jobs) await loadOnnx(job.name, { modelsDir: MODELS_DIR });
  const rows: ModelRow[] = [];
  for (const job of jobs) {
    const entry = modelEntry(job.name);
    const result = await probe(job.name, runs, job.variant);
    if (result.ortMs === undefined) {
      throw new Error(`models bench: ${job.name} (${job.variant}) failed: ${result.crashed ?? 'no output'}`);
    }
    const patchedSelfie = job.name === 'selfie' && result.tfliteMs == null;
    const tfliteMs = result.tfliteMs ?? (patchedSelfie ? SELFIE_TFLITE_REFERENCE_MS : null);
    let note: string | undefined;
    if (patchedSelfie) {
      note = `TFLite ms is environment.md's figure with the custom op patched out (${SELFIE_TFLITE_REFERENCE_MS} ms)`;
    } else if (result.tfliteMs == null) {
      note = result.crashed
        ? `TFLite 2.9 ${result.crashed}`
        : result.tfliteNote?.includes('custom op')
          ? 'TFLite 2.9 cannot run the custom op Convolution2DTransposeBias'
          : result.tfliteNote;
    }
    const speedup = tfliteMs ? tfliteMs / result.ortMs : null;
    const target = TARGETS[job.name];
    // No reference time (TFLite 2.9 crashed): the ratio target cannot be judged, so neither can the row.
    const meets =
      !target || (target.minRatio !== undefined && speedup === null)
        ? null
        : (target.maxMs === undefined || (result.ortSpinMs ?? result.ortMs) <= target.maxMs) &&
          (target.minRatio === undefined || speedup === null || speedup >= target.minRatio);
    rows.push({
      model: job.name,
      variant: entry.format === 'onnx' ? 'onnx' : job.variant === 'simulate' ? 'import, QDQ act.' : 'import',
      input: entry.inputs.map((i) => i.dims.join('x')).join(' + '),
      fileKiB: Math.round(statSync(resolveModel(job.name, { modelsDir: MODELS_DIR }).path).size / 1024),
      onnxKiB: Math.round((result.onnxBytes ?? 0) / 1024),
      gmac: entry.gmac,
      ortMs: round(result.ortMs),
      ortSpinMs: result.ortSpinMs === undefined ? null : round(result.ortSpinMs),
      tfliteMs: tfliteMs === null ? null : round(tfliteMs),
      speedup: speedup === null ? null : round(speedup),
      gflops: entry.gmac ? round((2 * entry.gmac) / (result.ortMs / 1000)) : null,
      peakMiB: round(result.ortPeakMiB ?? 0),
      target: target
        ? [target.maxMs ? `<= ${target.maxMs} ms` : '', target.minRatio ? `>= ${target.minRatio}x` : '']
            .filter(Boolean)
            .join(', ')
        : '',
      meets,
      aim: target?.aimMs ? `<= ${target.aimMs} ms: ${result.ortMs <= target.aimMs ? 'yes' : 'not yet'}` : '',
      note,
    });
  }
  return rows;
}

export interface LoopRow {
  model: string;
  isolation: 'inline' | 'worker';
  msPerRun: number;
  maxLoopDelayMs: number;
  p99LoopDelayMs: number;
}

/** Event-loop delay while a heavy model runs back to back: ORT on the caller's thread vs on a worker. */
export async function measureEventLoop(quick: boolean): Promise<LoopRow[]> {
  const name = 'style-transform-fp16';
  const { onnx } = await loadOnnx(name, { modelsDir: MODELS_DIR });
  const runs = quick ? 3 : 8;
  const rows: LoopRow[] = [];
  for (const isolation of ['inline', 'worker'] as const) {
    const session: ModelSession = await createSession(onnx, { threads: THREADS, isolation, label: name });
    const feeds = Object.fromEntries(
      session.inputs.map((i) => {
        const dims = i.dims as number[];
        return [i.name, { data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.3), dims }];
      }),
    );
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = performance.now();
    for (let i = 0; i < runs; i++) await session.run(feeds);
    const msPerRun = (performance.now() - started) / runs;
    delay.disable();
    await session.release();
    rows.push({
      model: name,
      isolation,
      msPerRun: round(msPerRun),
      maxLoopDelayMs: round(delay.max / 1e6),
      p99LoopDelayMs: round(delay.percentile(99) / 1e6),
    });
  }
  return rows;
}

const round = (x: number) => Math.round(x * 10) / 10;

const cell = (v: number | null): string | number => (v === null ? 'n/a' : v);

/** The bench section module (bench/index.ts SECTIONS.models). */
export async function run(options: BenchOptions): Promise<BenchSection[]> {
  const models = await measureModels(options.quick);
  const loop = await measureEventLoop(options.quick);
  const notes = [
    `${THREADS} threads for both runtimes; median of ${options.quick ? 3 : 10} runs after one warm-up; same inputs; ORT threads do not spin (as in stylecast), runs alternate with TFLite`,
    "ORT spin ms: ORT's default, threads busy-waiting between runs, measured alone (stylecast turns it off: the spinning threads would take the cores that capture, compositing and the other model need)",
    "meets: an ms target is judged on ORT's default (ORT spin ms), a ratio on the no-spin figure measured alternating with TFLite (the conservative one)",
    'speedup = TFLite 2.9 ms / ORT ms; GFLOP/s = 2 x GMAC / ORT time; peak = max RSS growth of a fresh process while opening and running the session',
    "variant 'import' is what stylecast runs; 'QDQ act.' keeps int8 activations as QuantizeLinear/DequantizeLinear pairs (TFLite's rounding)",
    ...new Set(models.filter((r) => r.note && r.note !== 'ONNX model').map((r) => `${r.model}: ${r.note}`)),
  ];
  if (!MODELS_DIR)
    notes.push('STYLECAST_MODELS not set and ../shared/models absent: only the npm selfie models ran');
  return [
    {
      title: 'Models: ONNX Runtime (after import) vs TFLite 2.9, size / memory / compute',
      rows: models.map((r) => ({
        model: r.model,
        variant: r.variant,
        input: r.input,
        'file KiB': r.fileKiB,
        'onnx KiB': r.onnxKiB,
        GMAC: cell(r.gmac),
        'ORT ms': r.ortMs,
        'ORT spin ms': cell(r.ortSpinMs),
        'TFLite ms': cell(r.tfliteMs),
        speedup: cell(r.speedup),
        'GFLOP/s': cell(r.gflops),
        'peak MiB': r.peakMiB,
        target: r.target,
        meets: r.meets === null ? (r.target ? 'n/a' : '') : r.meets ? 'yes' : 'NO',
        aim: r.aim,
      })),
      notes,
    },
    {
      title: 'Event loop while a model runs: ORT on the caller thread (inline) vs a worker thread',
      rows: loop.map((r) => ({
        model: r.model,
        isolation: r.isolation,
        'ms/run': r.msPerRun,
        'max loop delay ms': r.maxLoopDelayMs,
        'p99 loop delay ms': r.p99LoopDelayMs,
      })),
      notes: ['onnxruntime-node run() is synchronous on its thread; stylecast sessions default to a worker'],
    },
  ];
}
