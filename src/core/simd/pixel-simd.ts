import { readFileSync } from 'node:fs';

/**
 * Per-pixel loops in WebAssembly SIMD (pixels.as.ts, four RGBA pixels per instruction), for the hot
 * paths that V8 runs one pixel at a time: the compositor's blend (composite/composite-simd.ts), the area
 * shrink (composite/resample.ts), the stylizer's resize of a painting to frame size
 * (stylizer/preprocess.ts), and on the mask grid the guided filter and box means (mask/). Measured on one core here,
 * 1280 pixels x 720 rows: lerp of two rows 0.47 vs 4.8 ms in JavaScript, edge pixels (alpha from the
 * guided coefficients, then blend) 4.4 vs 14.8 ms. Each thread instantiates its own module: its memory
 * is private, so callers copy rows in and out (a block at a time; memcpy is cheap next to the math).
 */
export interface PixelSimd {
  memory: WebAssembly.Memory;
  /** out[x] = lerp(top[x], bottom[x], q / 128) | orMask, x in [xs, xe); q in 0..128. */
  lerpRun(out: number, top: number, bottom: number, xs: number, xe: number, q: number, orMask: number): void;
  /** Horizontal stretch of one row: out[x] = lerp(src[first[x]], src[second[x]], q[x] / 128) (i32 tables). */
  stretchRow(out: number, src: number, first: number, second: number, q: number, n: number): void;
  /** The same for a float row, columns [xs, xe): out[x] = a + (b - a) * weight[x] (i32 index tables, f32 weights). */
  stretchFloatRow(
    out: number,
    src: number,
    first: number,
    second: number,
    weight: number,
    xs: number,
    xe: number,
  ): void;
  /** Guided-filter coefficients A, B of mask P with guide I (planes padded to 4 floats; `work`: 5 planes). */
  guided(
    guide: number,
    mask: number,
    outA: number,
    outB: number,
    work: number,
    width: number,
    height: number,
    radius: number,
    epsilon: number,
  ): void;
  /** The mask's EMA then hysteresis in one pass (mask/temporal.ts emaThenThreshold; flags: 1 EMA, 2 previous binary). */
  emaThreshold(
    smoothed: number,
    previous: number,
    current: number,
    motion: number,
    base: number,
    binary: number,
    previousBinary: number,
    on: number,
    off: number,
    threshold: number,
    n: number,
    flags: number,
  ): void;
  /** finishMask after the islands: binary (u8) -> majority -> feather -> alpha -> guided A, B (`work`: 8 planes). */
  finishTail(
    binary: number,
    guide: number,
    alpha: number,
    outA: number,
    outB: number,
    work: number,
    width: number,
    height: number,
    contourRadius: number,
    featherRadius: number,
    guidedRadius: number,
    epsilon: number,
  ): void;
  /** out = box mean of float plane src with radius r (edges: the pixels that exist); tmp: one more plane. */
  boxMean(out: number, src: number, tmp: number, width: number, height: number, radius: number): void;
  /** One output row of an area average (rows [y0, y1) of src, column footprints x0s/x1s; 16-bit column sums, so y1 - y0 <= 257), optionally encoded ((mean - subtract) * multiply). */
  areaRow(
    out: number,
    src: number,
    width: number,
    y0: number,
    y1: number,
    x0s: number,
    x1s: number,
    outWidth: number,
    columns: number,
    encode: number,
    subtract: number,
    multiply: number,
  ): void;
  /** out[x] = (src[x] & andMask) | orMask: a settled run (int32 masks). */
  copyRun(out: number, src: number, xs: number, xe: number, andMask: number, orMask: number): void;
  /**
   * Alpha from guided coefficients (rows a0/a1, b0/b1 lerped by wy) and the frame's luma; the frame
   * blended over lerp(top, bottom) by alpha (invert 0) or by 1 - alpha (invert 1: the image over the frame).
   */
  mixedRun(
    out: number,
    frame: number,
    top: number,
    bottom: number,
    q: number,
    a0: number,
    a1: number,
    b0: number,
    b1: number,
    wy: number,
    xs: number,
    xe: number,
    invert: number,
  ): void;
  /**
   * The mixed pixels of the alpha modes (alpha as mixedRun's): grey 0, the frame's colours with alpha =
   * round(alpha * the frame's alpha) (transparent-background); grey 1, round(alpha * 255) as opaque grey (mask view).
   */
  alphaRun(
    out: number,
    frame: number,
    a0: number,
    a1: number,
    b0: number,
    b1: number,
    wy: number,
    xs: number,
    xe: number,
    grey: number,
  ): void;
}

/** Alpha 255 in a little-endian RGBA word (as an int32). */
export const OPAQUE_MASK = 0xff000000 | 0;
/** The colour bits of a little-endian RGBA word; and all bits (int32 masks for copyRun). */
export const RGB_MASK = 0x00ffffff;
export const ALL_BITS = -1;

/** Where callers' buffers start: the first 64 KiB are the module's own (statics, stack). */
export const SIMD_HEAP_BASE = 65536;

const WASM = new URL('./pixels.wasm', import.meta.url);

/**
 * The compiled module (`npm run build:simd`, which `npm ci` runs), or undefined — file missing, a
 * runtime without SIMD, or STYLECAST_SIMD=0 — and callers use their JavaScript loops.
 */
export function loadPixelSimd(env: NodeJS.ProcessEnv = process.env): PixelSimd | undefined {
  if (env.STYLECAST_SIMD === '0') return undefined;
  try {
    const module = new WebAssembly.Module(readFileSync(WASM));
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort: () => {
          throw new Error('pixels.wasm aborted');
        },
      },
    });
    return instance.exports as unknown as PixelSimd;
  } catch {
    return undefined;
  }
}

/**
 * `count` planes of `n` floats laid out in the module's memory from SIMD_HEAP_BASE, each padded to a
 * multiple of 4 floats (the kernels run four lanes at a time): the memory, grown to hold them (make
 * views after this call), and plane i's byte offset.
 */
export function simdPlanes(
  simd: PixelSimd,
  n: number,
  count: number,
): { memory: ArrayBuffer; at: (i: number) => number } {
  const plane = ((n + 3) & ~3) * 4;
  const at = (i: number) => SIMD_HEAP_BASE + i * plane;
  return { memory: simdMemory(simd, at(count)), at };
}

/** The module's memory, grown to at least `bytes` (views made before a grow are stale: make them after). */
export function simdMemory(simd: PixelSimd, bytes: number): ArrayBuffer {
  const { memory } = simd;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  return memory.buffer;
}
