/**
 * A binary timestamp drawn into frames as black/white blocks, so latency through a process we
 * cannot instrument (OBS) can be read back from a screenshot. Pure pixel math, no I/O.
 *
 * Layout (top-left corner, rows of `block` px squares): a start marker (white, black), then 32 data
 * bits (white = 1), then an end marker (black, white). Blocks survive scaling and YUV round trips.
 */

export const TIMECODE_BITS = 32;
const MARKER_START = [1, 0];
const MARKER_END = [0, 1];
const CELLS = MARKER_START.length + TIMECODE_BITS + MARKER_END.length;

/** Width in pixels the code needs at a block size. */
export const timecodeWidth = (block: number): number => CELLS * block;

function cells(value: number): number[] {
  const bits: number[] = [];
  for (let i = TIMECODE_BITS - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  return [...MARKER_START, ...bits, ...MARKER_END];
}

/** Draws `value` (an unsigned 32-bit integer) into RGBA pixels in place; alpha of the code is 255. */
export function drawTimecode(
  rgba: Uint8Array,
  width: number,
  height: number,
  value: number,
  block = 8,
): void {
  if (timecodeWidth(block) > width || block > height)
    throw new RangeError('frame too small for the timecode');
  const code = cells(value >>> 0);
  for (let c = 0; c < code.length; c++) {
    const v = code[c] ? 255 : 0;
    for (let y = 0; y < block; y++) {
      let p = (y * width + c * block) * 4;
      for (let x = 0; x < block; x++, p += 4) {
        rgba[p] = v;
        rgba[p + 1] = v;
        rgba[p + 2] = v;
        rgba[p + 3] = 255;
      }
    }
  }
}

/**
 * Reads a code drawn by drawTimecode from an image of `width` x `height`, sampling the centre of each
 * block (block given in the image's own pixels). Returns undefined when the markers are not there.
 */
export function readTimecode(rgba: Uint8Array, width: number, height: number, block = 8): number | undefined {
  if (timecodeWidth(block) > width || block > height) return undefined;
  const y = Math.floor(block / 2);
  const bitAt = (c: number): number => {
    const x = Math.floor(c * block + block / 2);
    const p = (y * width + x) * 4;
    const luma = (rgba[p] + rgba[p + 1] + rgba[p + 2]) / 3;
    return luma >= 128 ? 1 : 0;
  };
  for (let i = 0; i < MARKER_START.length; i++) if (bitAt(i) !== MARKER_START[i]) return undefined;
  for (let i = 0; i < MARKER_END.length; i++)
    if (bitAt(MARKER_START.length + TIMECODE_BITS + i) !== MARKER_END[i]) return undefined;
  let value = 0;
  for (let i = 0; i < TIMECODE_BITS; i++) value = ((value << 1) | bitAt(MARKER_START.length + i)) >>> 0;
  return value;
}

/** Milliseconds of wall clock as an unsigned 32-bit value (wraps every ~49 days). */
export const clock32 = (now = Date.now()): number => (now % 2 ** 32) >>> 0;

/** Age in ms of a clock32 stamp, correct across the wrap. */
export const ageOf = (stamp: number, now = clock32()): number => (now - stamp + 2 ** 32) % 2 ** 32;
