import { StylecastError } from '../core/errors.ts';
import type { PlainTensor, TensorMeta } from './ort-adapter.ts';

/**
 * Checks at the session boundary (pure functions): feeds against the session's inputs, and a session's
 * declared tensors against what the manifest promises. Errors name the model and the tensor.
 */

const fmt = (dims: readonly (number | string)[]): string => `[${dims.join(',')}]`;

/** Throws a StylecastError when a feed is missing, unexpected, mis-sized or of the wrong rank/dims. */
export function validateFeeds(
  label: string,
  inputs: readonly TensorMeta[],
  feeds: Record<string, PlainTensor>,
): void {
  const expected = new Set(inputs.map((i) => i.name));
  const unknown = Object.keys(feeds).filter((name) => !expected.has(name));
  if (unknown.length) {
    throw shapeError(label, `unknown input '${unknown[0]}' (inputs: ${[...expected].join(', ')})`);
  }
  for (const input of inputs) {
    const feed = feeds[input.name];
    if (!feed) {
      throw shapeError(
        label,
        `missing input '${input.name}' (got ${Object.keys(feeds).join(', ') || 'none'})`,
      );
    }
    if (!(feed.data instanceof Float32Array)) {
      throw shapeError(label, `input '${input.name}' must be a Float32Array`);
    }
    if (!dimsMatch(input.dims, feed.dims)) {
      throw shapeError(label, `input '${input.name}' expects ${fmt(input.dims)}, got ${fmt(feed.dims)}`);
    }
    const count = feed.dims.reduce((a, b) => a * b, 1);
    if (count !== feed.data.length) {
      throw shapeError(
        label,
        `input '${input.name}' has ${feed.data.length} values but dims ${fmt(feed.dims)} need ${count}`,
      );
    }
  }
}

/** Symbolic (string) dims and unknown rank accept anything; numbers must match exactly. */
export function dimsMatch(declared: readonly (number | string)[], actual: readonly number[]): boolean {
  if (declared.length === 0) return true;
  if (declared.length !== actual.length) return false;
  return declared.every((d, i) => typeof d === 'string' || d < 0 || d === actual[i]);
}

/** Zero-filled feeds for a warm-up run, or undefined when a dim is symbolic (size unknown). */
export function zeroFeeds(inputs: readonly TensorMeta[]): Record<string, PlainTensor> | undefined {
  const feeds: Record<string, PlainTensor> = {};
  for (const input of inputs) {
    if (input.type !== 'float32' || input.dims.length === 0) return undefined;
    if (input.dims.some((d) => typeof d !== 'number' || d < 1)) return undefined;
    const dims = input.dims as number[];
    feeds[input.name] = { data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims };
  }
  return feeds;
}

function shapeError(label: string, what: string): StylecastError {
  return new StylecastError(
    'MODEL_SHAPE',
    `${label}: ${what}`,
    'the caller fed tensors that do not fit this model',
  );
}
