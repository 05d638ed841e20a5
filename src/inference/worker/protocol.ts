import type { OrtOpenOptions, PlainTensor, TensorMeta } from '../ort-adapter.ts';

/** Messages between runtime.ts (main thread) and session-worker.ts (one worker thread per session). */

export type ToWorker =
  | { op: 'open'; model: string | Uint8Array; options: OrtOpenOptions; label: string }
  | {
      op: 'run';
      id: number;
      feeds: Record<string, PlainTensor>;
      /** Shared arrays the named outputs are written into (see ModelSession.run). */
      into?: Record<string, Float32Array>;
    }
  | { op: 'release' };

export interface WorkerFailure {
  message: string;
  /** A StylecastError's catalogue key, so the main thread can rebuild it. */
  key?: string;
  hint?: string;
}

export type FromWorker =
  | {
      op: 'opened';
      provider: string;
      note: string;
      fellBack: boolean;
      inputs: TensorMeta[];
      outputs: TensorMeta[];
    }
  | { op: 'open-failed'; error: WorkerFailure }
  | { op: 'result'; id: number; outputs: Record<string, PlainTensor> }
  | { op: 'run-failed'; id: number; error: WorkerFailure }
  | { op: 'released' };
