import type { Worker } from 'node:worker_threads';

/**
 * How long a worker that hosts ONNX Runtime gets to end by itself. Generous on purpose: terminate()
 * while its thread is inside an ORT call (a run, or a session being created) aborts the whole
 * process ("terminate called after throwing an instance of 'Napi::Error'"), so waiting out a slow
 * session load on a busy machine is far better than cutting it short.
 */
export const WORKER_EXIT_TIMEOUT_MS = 30_000;

/**
 * Ends a worker the safe way: `ask` tells it to finish what it is doing, close its sessions and let
 * its thread end; this waits for that exit. terminate() only if it has not exited in `timeoutMs`
 * (a thread stuck for that long is the lesser risk).
 */
export async function endWorker(
  worker: Worker,
  ask: () => void,
  timeoutMs = WORKER_EXIT_TIMEOUT_MS,
): Promise<void> {
  if (worker.threadId === -1) return; // already exited
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  worker.ref(); // an unref'd worker must still be waited for
  ask();
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') await worker.terminate();
}
