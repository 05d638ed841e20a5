/**
 * Two-channels-per-lane arithmetic on little-endian RGBA words: R,B sit in the low bytes of the two
 * 16-bit lanes of `word & 0xff00ff`, G,A in those of `(word >>> 8) & 0xff00ff`, so one multiply-add
 * lerps two channels. Weights are 7-bit fixed point (0..128): every intermediate stays below 2^31 and
 * V8 keeps to 32-bit integer arithmetic. Results are within one level of the exact float lerp.
 */

/** a + (b - a) * q / 128 per byte, rounded. Returns an int32 (alpha >= 128 makes it negative). */
export function lerpPacked(a: number, b: number, q: number): number {
  const p = 128 - q;
  const rb = (((a & 0xff00ff) * p + (b & 0xff00ff) * q + 0x400040) >> 7) & 0xff00ff;
  const ga = ((((a >>> 8) & 0xff00ff) * p + ((b >>> 8) & 0xff00ff) * q + 0x400040) >> 7) & 0xff00ff;
  return rb | (ga << 8);
}

/** A weight in [0, 1] as 7-bit fixed point. */
export const fixedWeight = (w: number): number => Math.round(w * 128);

/** fixedWeight of each; a plain loop (TypedArray.from with a map function took ~0.1 ms per 1280). */
export function fixedWeights(weights: Float32Array): Int32Array {
  const out = new Int32Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = Math.round(weights[i] * 128);
  return out;
}

/** The pixels as 32-bit words (a copy only when the bytes are not 4-aligned). */
export function asWords(rgba: Uint8Array): Uint32Array {
  const bytes = rgba.byteOffset % 4 === 0 ? rgba : rgba.slice();
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
}
