import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { endWorker } from '../../src/core/worker-exit.ts';

/**
 * A thread that, once asked, stays busy for `busyMs` (as in an ORT call) and then ends; or never listens.
 * It posts 'ready' once its script runs: terminate() before that (a slow start on a loaded box) exits 0, not 1.
 */
function busyThenEnd(busyMs: number, listens = true): Worker {
  const source = `
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', () => {
      if (!${listens}) return;
      const until = Date.now() + ${busyMs};
      while (Date.now() < until);
      parentPort.close();
    });
    setInterval(() => {}, 1000).unref();
    parentPort.postMessage('ready');`;
  return new Worker(source, { eval: true });
}

describe('ending a worker that may be inside an ORT call', () => {
  it('waits for the thread to end by itself, well past the old 3 s cut-off, instead of terminating it', async () => {
    const worker = busyThenEnd(3500);
    const exit = new Promise((resolve) => worker.once('exit', resolve));
    const started = performance.now();
    await endWorker(worker, () => worker.postMessage('end'), 20_000);
    expect(await exit).toBe(0); // terminate() would give 1
    expect(performance.now() - started).toBeGreaterThanOrEqual(3400);
  });

  it('terminates a thread that does not end within the time given, and returns at once for one already gone', async () => {
    const deaf = busyThenEnd(0, false);
    const exit = new Promise((resolve) => deaf.once('exit', resolve));
    await once(deaf, 'message'); // running its script, as a worker inside an ORT call is
    await endWorker(deaf, () => deaf.postMessage('end'), 300);
    expect(await exit).toBe(1);
    const started = performance.now();
    await endWorker(deaf, () => deaf.postMessage('end'), 10_000);
    // Measured ~0.02 ms; waiting for an exit that never comes would take the whole 10 s given.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
