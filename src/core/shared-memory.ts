/**
 * Typed arrays on SharedArrayBuffer: they travel to worker threads without a copy, and a buffer kept
 * for reuse allocates nothing per frame (fresh frame-sized arrays were what drove the collector's
 * major GCs on the frame path).
 */

/** A typed array of `length` elements on shared memory (zeroed). */
export function sharedUint8(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}

export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

export const isShared = (array: ArrayBufferView): boolean => array.buffer instanceof SharedArrayBuffer;
