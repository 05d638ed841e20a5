import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadStyleModelBytes } from '../../src/inference/stylizer/models.ts';
import { meanAbsDiffRgba } from '../../src/inference/stylizer/preprocess.ts';
import { StylizerWorker } from '../../src/inference/stylizer/worker-client.ts';
import { BACKGROUND_THREAD_NICE, lowerThreadPriority } from '../../src/inference/thread-priority.ts';
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

/** Nice value of each thread of this process (Linux /proc), by thread id. */
function threadNices(): Map<string, number> {
  const nices = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    // Fields after "pid (comm) ": state is 0, nice is 16.
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    nices.set(tid, Number(fields[16]));
  }
  return nices;
}

it.runIf(process.platform === 'linux')(
  'the stylizer worker and the ORT threads it starts run below the frame path’s priority',
  async () => {
    const bytes = await loadStyleModelBytes('auto', { modelsDir: MODELS_DIR });
    const before = [...threadNices().values()].filter((n) => n === BACKGROUND_THREAD_NICE).length;
    const worker = await StylizerWorker.start(bytes, { threads: 1 });
    try {
      expect(worker.lowPriority).toBe(true);
      const one = [...threadNices().values()].filter((n) => n === BACKGROUND_THREAD_NICE).length;
      expect(one).toBeGreaterThan(before);
      await worker.setTransformThreads(3); // ORT starts two pool threads of its own
      const three = [...threadNices().values()].filter((n) => n === BACKGROUND_THREAD_NICE).length;
      expect(three).toBeGreaterThanOrEqual(one + 2);
      expect(threadNices().get(String(process.pid))).toBe(0); // the main thread is untouched
    } finally {
      await worker.stop();
    }
  },
  60_000,
);

it('priority is only lowered where the nice value is per thread', () => {
  expect(lowerThreadPriority(10, 'win32')).toBe(false);
  expect(lowerThreadPriority(10, 'darwin')).toBe(false);
});
