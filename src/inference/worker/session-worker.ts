import { parentPort } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import { isStylecastError } from '../../core/errors.ts';
import { type FeedStaging, firstLine, openOrtSession, runOrt } from '../ort-adapter.ts';
import type { FromWorker, ToWorker, WorkerFailure } from './protocol.ts';

/**
 * One ONNX Runtime session on its own thread. onnxruntime-node's run() executes synchronously on the
 * calling thread, so on the main thread it would stall sockets, timers and frame capture for the whole
 * inference. Messages are handled in arrival order: runs never overlap inside one session.
 */

if (!parentPort) throw new Error('session-worker.ts must run in a worker thread');
const port = parentPort;

let session: InferenceSession | undefined;
let queue: Promise<void> = Promise.resolve();
const staging: FeedStaging = new Map();

const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

function failure(error: unknown): WorkerFailure {
  if (isStylecastError(error)) return { message: error.message, key: error.key, hint: error.hint };
  return { message: firstLine(error) };
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.op) {
    case 'open': {
      try {
        const opened = await openOrtSession(message.model, message.options, message.label);
        session = opened.session;
        const { provider, note, fellBack, inputs, outputs } = opened;
        send({ op: 'opened', provider, note, fellBack, inputs, outputs });
      } catch (error) {
        send({ op: 'open-failed', error: failure(error) });
      }
      return;
    }
    case 'run': {
      try {
        if (!session) throw new Error('session is not open');
        const outputs = await runOrt(session, message.feeds, message.into, staging);
        // Fresh outputs move to the main thread without a copy; shared ones are already there.
        const buffers = Object.values(outputs)
          .map((t) => t.data.buffer)
          .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
        send({ op: 'result', id: message.id, outputs }, buffers);
      } catch (error) {
        send({ op: 'run-failed', id: message.id, error: failure(error) });
      }
      return;
    }
    case 'release': {
      await session?.release();
      session = undefined;
      send({ op: 'released' });
      port.close();
      return;
    }
  }
}

port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message));
});
