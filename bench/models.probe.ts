import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadOnnx, modelEntry } from '../src/inference/registry/index.ts';
import { createSession, type TensorData } from '../src/inference/runtime.ts';
import { importTflite } from '../src/inference/tflite/import.ts';

/**
 * One model, measured in a fresh process (so its peak RSS is its own, and a crash in the TFLite 2.9
 * interpreter cannot take the benchmark down): ONNX Runtime after import, then the reference interpreter,
 * on the same inputs and thread count. Prints a JSON line after each runtime. Run by models.bench.ts:
 *   node bin/run-ts.js bench/models.probe.ts <name> <runs> <threads> [default|simulate|dequantize]
 */

export interface ProbeResult {
  name: string;
  variant: string;
  ortMs: number;
  /** ORT's own default (intra-op threads spin between runs), measured alone: what small models gain from it. */
  ortSpinMs?: number;
  /** Peak RSS growth from opening the session through the last run, in MiB. */
  ortPeakMiB: number;
  onnxBytes: number;
  tfliteMs: number | null;
  tfliteNote?: string;
}

const [name, runsArg, threadsArg, variantArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const threads = Number(threadsArg ?? 2);
/** 'default': what loadOnnx gives (the importer's default); 'simulate' | 'dequantize': that import setting. */
const variant = (variantArg ?? 'default') as 'default' | 'simulate' | 'dequantize';
const entry = modelEntry(name);

/** Deterministic inputs inside each tensor's normalised range, identical for both runtimes. */
function inputs(): TensorData[] {
  const [lo, hi] = entry.normalization.range ?? [-1, 1];
  return entry.inputs.map((input) => {
    const count = input.dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++)
      data[i] = lo + ((hi - lo) * (1 + Math.sin(i * 0.0137) * Math.cos(i * 0.00071))) / 2;
    return { data, dims: input.dims };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;

async function timeRuns(once: () => Promise<unknown> | unknown): Promise<number> {
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  return median(times);
}

const loaded = await loadOnnx(name);
const onnx =
  variant !== 'default'
    ? importTflite(new Uint8Array(readFileSync(loaded.path)), {
        modelName: name,
        quantizedActivations: variant,
      })
    : typeof loaded.onnx === 'string'
      ? new Uint8Array(readFileSync(loaded.onnx))
      : loaded.onnx;
const tensors = inputs();

const before = maxRssMiB();
// No spinning, as stylecast's own sessions run: ORT's idle threads would otherwise steal the interpreter's cores.
const session = await createSession(onnx, {
  threads,
  isolation: 'inline',
  warmup: false,
  label: name,
  spinning: false,
});
const feeds = Object.fromEntries(session.inputNames.map((n, i) => [n, tensors[i]]));
const runOrt = () => session.run(feeds);
const ortMs = await timeRuns(runOrt);
const ortPeakMiB = maxRssMiB() - before;
const spinning = await createSession(onnx, {
  threads,
  isolation: 'inline',
  warmup: false,
  label: name,
  spinning: true,
});
const ortSpinMs = await timeRuns(() => spinning.run(feeds));
await spinning.release();
// Printed before the interpreter runs: the TFLite 2.9 interpreter can crash the process (it does on the
// dynamic-shape transform), and the ONNX Runtime figures must survive that.
const ortPart = { name, variant, ortMs, ortSpinMs, ortPeakMiB, onnxBytes: onnx.byteLength };
process.stdout.write(`${JSON.stringify(ortPart)}\n`);

let result: ProbeResult = { ...ortPart, tfliteMs: null, tfliteNote: 'ONNX model' };
if (entry.format === 'tflite') {
  try {
    const require = createRequire(import.meta.url);
    const { TFLiteNodeModelRunner } = require('tfjs-tflite-node');
    const bytes = readFileSync(loaded.path);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const runner = new TFLiteNodeModelRunner(buffer, { threads });
    const slots = runner.getInputs() as { data(): Float32Array }[];
    for (const [i, slot] of slots.entries()) slot.data().set(tensors[i].data);
    runner.infer();
    // Alternate the two runtimes so both see the same machine load (these machines are shared).
    const ort: number[] = [];
    const tflite: number[] = [];
    for (let i = 0; i < runs; i++) {
      let started = performance.now();
      await runOrt();
      ort.push(performance.now() - started);
      started = performance.now();
      runner.infer();
      tflite.push(performance.now() - started);
    }
    result = { ...ortPart, ortMs: median(ort), tfliteMs: median(tflite) };
  } catch (error) {
    result.tfliteNote = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  }
}
await session.release();
process.stdout.write(`${JSON.stringify(result)}\n`);
