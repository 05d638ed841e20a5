import { expect, it } from 'vitest';
import { loadStyleModelBytes } from '../../src/inference/stylizer/models.ts';
import { meanAbsDiffRgba } from '../../src/inference/stylizer/preprocess.ts';
import { StylizerWorker } from '../../src/inference/stylizer/worker-client.ts';
import { readImageRgba } from '../../src/pipeline/style/image.ts';
import { MODELS_DIR, media } from '../helpers/shared.ts';

it('the stylizer worker reopens its transform with another thread count between jobs, same pictures', async () => {
  const bytes = await loadStyleModelBytes('auto', { modelsDir: MODELS_DIR });
  const worker = await StylizerWorker.start(bytes, { threads: 1 });
  try {
    const content = await readImageRgba(media('style_golden', 'content_input_image.jpg'));
    const style = await readImageRgba(media('style_golden', 'style_input_style.jpg'));
    const bottleneck = await worker.predict(style.rgba, style.width, style.height);
    const job = { single: true } as const;
    const paint = () => worker.stylize(content.rgba, content.width, content.height, bottleneck, job);
    const before = paint(); // posted first: runs on the one-thread session
    const reopened = worker.setTransformThreads(2);
    const after = paint(); // posted after: waits for the reopen, runs on the two-thread session
    const [a, threads, b] = await Promise.all([before, reopened, after]);
    expect(threads).toBe(2);
    expect(b.width).toBe(a.width);
    expect(meanAbsDiffRgba(a.rgba, b.rgba)).toBeLessThan(0.5);
    expect(worker.inFlight).toBe(0);
  } finally {
    await worker.stop();
  }
}, 60_000);

it('a Node Buffer handed to the worker stays the caller’s: the same camera frame can be painted twice', async () => {
  const bytes = await loadStyleModelBytes('auto', { modelsDir: MODELS_DIR });
  const worker = await StylizerWorker.start(bytes, { threads: 1 });
  try {
    const frame = Buffer.alloc(64 * 48 * 4, 120); // capture frames are Buffers: slice() would be a view
    const bottleneck = new Float32Array(100).fill(0.1);
    await worker.stylize(frame, 64, 48, bottleneck, { single: true });
    expect(frame.byteLength).toBe(64 * 48 * 4); // not detached by the transfer
    const again = await worker.stylize(frame, 64, 48, bottleneck, { single: true });
    expect(again.rgba.length).toBeGreaterThan(0);
    await worker.predict(frame, 64, 48);
    expect(frame[0]).toBe(120);
  } finally {
    await worker.stop();
  }
}, 60_000);
