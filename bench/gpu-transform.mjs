// Style-transform throughput per execution provider (webgpu vs cpu), same machine, same ONNX files.
// Plain JavaScript with onnxruntime-node only, so it runs on a GPU box that has nothing else installed.
// Usage: node bench/gpu-transform.mjs <folder of imported transform .onnx files>
//   (make them with `stylecast models import style_transfer_f16_384.tflite --out transform-fp16.onnx`)
//   EPS=webgpu-tuned,cpu selects providers; webgpu-tuned = webgpu with Dawn validation disabled.
// style-frame at 1920x1080 needs 2 overlapping 384 tiles per frame: fps = 1000 / (2 * ms per tile).

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require(process.env.ORT_NODE_PATH ?? 'onnxruntime-node');
console.log('backends', JSON.stringify(ort.listSupportedBackends()));
const dir = process.argv[2] ?? 'models';
const results = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.onnx'))) {
  for (const ep of (process.env.EPS ?? 'webgpu-tuned,webgpu,cpu').split(',')) {
    let s;
    try {
      s = await ort.InferenceSession.create(readFileSync(`${dir}/${file}`), {
        executionProviders: [ep === 'webgpu-tuned' ? { name: 'webgpu', validationMode: 'disabled' } : ep],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: ep === 'cpu' ? 16 : 0,
        enableGraphCapture: process.env.CAPTURE === '1',
      });
    } catch (e) {
      console.log(file, ep, 'FAILED', String(e.message).split('\n')[0]);
      continue;
    }
    const feeds = {};
    for (const name of s.inputNames) {
      const isStyle = /BiasAdd|bottleneck/.test(name);
      const dims = isStyle ? [1, 1, 1, 100] : [1, 384, 384, 3];
      const data = new Float32Array(dims.reduce((a, b) => a * b));
      for (let i = 0; i < data.length; i++) data[i] = isStyle ? Math.sin(i) * 0.5 : (i % 251) / 251;
      feeds[name] = new ort.Tensor('float32', data, dims);
    }
    for (let i = 0; i < 5; i++) await s.run(feeds);
    const n = ep === 'cpu' ? 20 : 100;
    const t = performance.now();
    for (let i = 0; i < n; i++) await s.run(feeds);
    const ms = (performance.now() - t) / n;
    // Pipelined: several runs in flight at once (what a GPU pipeline would do across tiles).
    const t2 = performance.now();
    const batch = [];
    for (let i = 0; i < n; i++) batch.push(s.run(feeds));
    await Promise.all(batch);
    const msPipelined = (performance.now() - t2) / n;
    const row = {
      model: file,
      provider: ep,
      msPerTile: +ms.toFixed(2),
      msPerTileConcurrent: +msPipelined.toFixed(2),
      fps1080pAt2Tiles: +(1000 / (2 * Math.min(ms, msPipelined))).toFixed(1),
      fps1080pAt3Tiles: +(1000 / (3 * Math.min(ms, msPipelined))).toFixed(1),
    };
    results.push(row);
    console.log(JSON.stringify(row));
    await s.release();
  }
}
console.table(results);
