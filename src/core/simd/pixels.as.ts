// AssemblyScript (compiled by `npm run build:simd` to pixels.wasm): per-pixel inner loops of the
// compositor and the painting resize, four pixels per 128-bit SIMD operation. Pointers are byte offsets
// into this module's memory; pixels are little-endian RGBA words. Same arithmetic as core/packed-rgba.ts
// and composite/kernels.ts (7-bit fixed-point lerps, float alpha): results match within one level.

const OPAQUE: u32 = 0xff000000;

/** Lerps four packed pixels of t and b by q/128 per channel (lerpPacked for 4 pixels). */
// @ts-ignore: decorator
@inline
function lerp4(t: v128, b: v128, wq: v128, wp: v128): v128 {
  const round = i16x8.splat(64);
  const lo = i16x8.shr_u(
    i16x8.add(i16x8.add(i16x8.mul(i16x8.extend_low_i8x16_u(t), wp), i16x8.mul(i16x8.extend_low_i8x16_u(b), wq)), round),
    7,
  );
  const hi = i16x8.shr_u(
    i16x8.add(i16x8.add(i16x8.mul(i16x8.extend_high_i8x16_u(t), wp), i16x8.mul(i16x8.extend_high_i8x16_u(b), wq)), round),
    7,
  );
  return i8x16.narrow_i16x8_u(lo, hi);
}

// @ts-ignore: decorator
@inline
function lerpScalar(a: u32, b: u32, q: u32): u32 {
  const p = 128 - q;
  const rb = (((a & 0xff00ff) * p + (b & 0xff00ff) * q + 0x400040) >> 7) & 0xff00ff;
  const ga = ((((a >> 8) & 0xff00ff) * p + ((b >> 8) & 0xff00ff) * q + 0x400040) >> 7) & 0xff00ff;
  return rb | (ga << 8);
}

/** out[x] = lerp(top[x], bottom[x], q / 128) | orMask (OPAQUE: alpha 255), for x in [xs, xe). */
export function lerpRun(out: usize, top: usize, bottom: usize, xs: i32, xe: i32, q: i32, orMask: u32): void {
  const wq = i16x8.splat(<i16>q);
  const wp = i16x8.splat(<i16>(128 - q));
  const opaque = i32x4.splat(orMask);
  let x = xs;
  for (; x + 4 <= xe; x += 4) {
    const o = (<usize>x) << 2;
    v128.store(out + o, v128.or(lerp4(v128.load(top + o), v128.load(bottom + o), wq, wp), opaque));
  }
  for (; x < xe; x++) {
    const o = (<usize>x) << 2;
    store<u32>(out + o, lerpScalar(load<u32>(top + o), load<u32>(bottom + o), q) | orMask);
  }
}

/** out[x] = (src[x] & andMask) | orMask, for x in [xs, xe): a settled run (opaque, or alpha 0). */
export function copyRun(out: usize, src: usize, xs: i32, xe: i32, andMask: u32, orMask: u32): void {
  const and = i32x4.splat(andMask);
  const or = i32x4.splat(orMask);
  let x = xs;
  for (; x + 4 <= xe; x += 4) {
    const o = (<usize>x) << 2;
    v128.store(out + o, v128.or(v128.and(v128.load(src + o), and), or));
  }
  for (; x < xe; x++) {
    const o = (<usize>x) << 2;
    store<u32>(out + o, (load<u32>(src + o) & andMask) | orMask);
  }
}

// @ts-ignore: decorator
@inline
function alphaScalar(px: u32, a: f32, b: f32): f32 {
  const luma =
    (<f32>(px & 255) * 0.299 + <f32>((px >> 8) & 255) * 0.587 + <f32>((px >> 16) & 255) * 0.114) * (1.0 / 255.0);
  const q = a * luma + b;
  return q < 0 ? 0 : q > 1 ? 1 : q;
}

const BYTE = i32x4.splat(255);

/** Channel c (0, 8, 16, 24) of four packed pixels as floats. */
// @ts-ignore: decorator
@inline
function channel4(px: v128, c: i32): v128 {
  return f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(px, c), BYTE));
}

/** Alpha of four pixels: clamp(A * luma + B), A and B lerped between two coefficient rows by vy. */
// @ts-ignore: decorator
@inline
function alpha4(f: v128, a0: usize, a1: usize, b0: usize, b1: usize, o: usize, vy: v128): v128 {
  const luma = f32x4.add(
    f32x4.add(f32x4.mul(channel4(f, 0), f32x4.splat(0.299 / 255.0)), f32x4.mul(channel4(f, 8), f32x4.splat(0.587 / 255.0))),
    f32x4.mul(channel4(f, 16), f32x4.splat(0.114 / 255.0)),
  );
  const va0 = v128.load(a0 + o);
  const vb0 = v128.load(b0 + o);
  const a = f32x4.add(va0, f32x4.mul(f32x4.sub(v128.load(a1 + o), va0), vy));
  const b = f32x4.add(vb0, f32x4.mul(f32x4.sub(v128.load(b1 + o), vb0), vy));
  return f32x4.min(f32x4.splat(1), f32x4.max(f32x4.splat(0), f32x4.add(f32x4.mul(a, luma), b)));
}

/**
 * The mixed pixels: alpha = clamp(A * luma + B) with A, B lerped between two stretched coefficient rows
 * by wy; image = lerp(top, bottom, q / 128); out = image + (frame - image) * alpha. invert 1 uses
 * 1 - alpha: the image shows where the person is (style-person), the frame around them.
 */
export function mixedRun(
  out: usize,
  frame: usize,
  top: usize,
  bottom: usize,
  q: i32,
  a0: usize,
  a1: usize,
  b0: usize,
  b1: usize,
  wy: f32,
  xs: i32,
  xe: i32,
  invert: f32,
): void {
  const wq = i16x8.splat(<i16>q);
  const wp = i16x8.splat(<i16>(128 - q));
  const opaque = i32x4.splat(OPAQUE);
  const vy = f32x4.splat(wy);
  const half = f32x4.splat(0.5);
  const inv = f32x4.splat(invert);
  let x = xs;
  for (; x + 4 <= xe; x += 4) {
    const o = (<usize>x) << 2;
    const f = v128.load(frame + o);
    const fr = channel4(f, 0);
    const fg = channel4(f, 8);
    const fb = channel4(f, 16);
    const alpha = f32x4.abs(f32x4.sub(inv, alpha4(f, a0, a1, b0, b1, o, vy)));
    const g = lerp4(v128.load(top + o), v128.load(bottom + o), wq, wp);
    const gr = channel4(g, 0);
    const gg = channel4(g, 8);
    const gb = channel4(g, 16);
    const r = i32x4.trunc_sat_f32x4_u(f32x4.add(f32x4.add(gr, f32x4.mul(f32x4.sub(fr, gr), alpha)), half));
    const gn = i32x4.trunc_sat_f32x4_u(f32x4.add(f32x4.add(gg, f32x4.mul(f32x4.sub(fg, gg), alpha)), half));
    const bl = i32x4.trunc_sat_f32x4_u(f32x4.add(f32x4.add(gb, f32x4.mul(f32x4.sub(fb, gb), alpha)), half));
    v128.store(out + o, v128.or(v128.or(r, i32x4.shl(gn, 8)), v128.or(i32x4.shl(bl, 16), opaque)));
  }
  for (; x < xe; x++) {
    const o = (<usize>x) << 2;
    const px = load<u32>(frame + o);
    const la0 = load<f32>(a0 + o);
    const lb0 = load<f32>(b0 + o);
    const alpha = Mathf.abs(
      invert - alphaScalar(px, la0 + (load<f32>(a1 + o) - la0) * wy, lb0 + (load<f32>(b1 + o) - lb0) * wy),
    );
    const g = lerpScalar(load<u32>(top + o), load<u32>(bottom + o), q);
    let res: u32 = OPAQUE;
    for (let c: u32 = 0; c < 24; c += 8) {
      const gc = <f32>((g >> c) & 255);
      const fc = <f32>((px >> c) & 255);
      res |= (<u32>(gc + (fc - gc) * alpha + 0.5)) << c;
    }
    store<u32>(out + o, res);
  }
}

/**
 * The mask as pixels, for the mixed runs of two modes: grey 0 (transparent-background) keeps the
 * frame's colours with alpha = round(clamp(A * luma + B) * the frame's alpha) (straight, not
 * premultiplied); grey 1 (the mask view) writes m = round(alpha * 255) as an opaque grey.
 */
export function alphaRun(
  out: usize,
  frame: usize,
  a0: usize,
  a1: usize,
  b0: usize,
  b1: usize,
  wy: f32,
  xs: i32,
  xe: i32,
  grey: i32,
): void {
  const vy = f32x4.splat(wy);
  const half = f32x4.splat(0.5);
  const rgb = i32x4.splat(0xffffff);
  const opaque = i32x4.splat(OPAQUE);
  const full = f32x4.splat(255);
  let x = xs;
  for (; x + 4 <= xe; x += 4) {
    const o = (<usize>x) << 2;
    const f = v128.load(frame + o);
    const alpha = alpha4(f, a0, a1, b0, b1, o, vy);
    const m = i32x4.trunc_sat_f32x4_u(f32x4.add(f32x4.mul(alpha, grey ? full : channel4(f, 24)), half));
    const px = grey
      ? v128.or(v128.or(m, i32x4.shl(m, 8)), v128.or(i32x4.shl(m, 16), opaque))
      : v128.or(v128.and(f, rgb), i32x4.shl(m, 24));
    v128.store(out + o, px);
  }
  for (; x < xe; x++) {
    const o = (<usize>x) << 2;
    const px = load<u32>(frame + o);
    const la0 = load<f32>(a0 + o);
    const lb0 = load<f32>(b0 + o);
    const alpha = alphaScalar(px, la0 + (load<f32>(a1 + o) - la0) * wy, lb0 + (load<f32>(b1 + o) - lb0) * wy);
    const m = <u32>(alpha * (grey ? 255.0 : <f32>(px >> 24)) + 0.5);
    store<u32>(out + o, grey ? m | (m << 8) | (m << 16) | OPAQUE : (px & 0xffffff) | (m << 24));
  }
}

/**
 * Horizontal bilinear stretch of one source row: out[x] = lerp(src[first[x]], src[second[x]], q[x] / 128)
 * (first, second: i32 pixel indices into the row; q: i32 weights 0..128). A gather, so scalar.
 */
export function stretchRow(out: usize, src: usize, first: usize, second: usize, q: usize, n: i32): void {
  for (let x = 0; x < n; x++) {
    const o = (<usize>x) << 2;
    const a = load<u32>(src + ((<usize>load<i32>(first + o)) << 2));
    const b = load<u32>(src + ((<usize>load<i32>(second + o)) << 2));
    store<u32>(out + o, lerpScalar(a, b, <u32>load<i32>(q + o)));
  }
}

/**
 * Horizontal linear stretch of one float row, columns [xs, xe): out[x] = a + (b - a) * w[x],
 * a = src[first[x]], b = src[second[x]] (i32 indices, f32 weights). In f64 like the JavaScript loop it
 * replaces (StretchedRows), so both give the same floats.
 */
export function stretchFloatRow(
  out: usize,
  src: usize,
  first: usize,
  second: usize,
  weight: usize,
  xs: i32,
  xe: i32,
): void {
  for (let x = xs; x < xe; x++) {
    const o = (<usize>x) << 2;
    const a = <f64>load<f32>(src + ((<usize>load<i32>(first + o)) << 2));
    const b = <f64>load<f32>(src + ((<usize>load<i32>(second + o)) << 2));
    store<f32>(out + o, <f32>(a + (b - a) * <f64>load<f32>(weight + o)));
  }
}

/**
 * Horizontal box mean of a float plane: out[x] = mean of src[x - r .. x + r] inside the row (edges
 * average only the pixels that exist, like mask/box-filter.ts). Interior pixels four at a time.
 */
export function boxH(out: usize, src: usize, width: i32, height: i32, r: i32): void {
  const inv = f32x4.splat(<f32>1.0 / <f32>(r + r + 1));
  for (let y = 0; y < height; y++) {
    const row = (<usize>(y * width)) << 2;
    let x = 0;
    for (; x < width && x < r; x++) store<f32>(out + row + ((<usize>x) << 2), edgeMeanH(src + row, x, width, r));
    for (; x + r + 4 <= width; x += 4) {
      const at = src + row + ((<usize>(x - r)) << 2);
      let sum = v128.load(at);
      for (let k = 1; k <= 2 * r; k++) sum = f32x4.add(sum, v128.load(at + ((<usize>k) << 2)));
      v128.store(out + row + ((<usize>x) << 2), f32x4.mul(sum, inv));
    }
    for (; x < width; x++) store<f32>(out + row + ((<usize>x) << 2), edgeMeanH(src + row, x, width, r));
  }
}

// @ts-ignore: decorator
@inline
function edgeMeanH(row: usize, x: i32, width: i32, r: i32): f32 {
  const lo = max(0, x - r);
  const hi = min(width - 1, x + r);
  let sum: f32 = 0;
  for (let k = lo; k <= hi; k++) sum += load<f32>(row + ((<usize>k) << 2));
  return sum / <f32>(hi - lo + 1);
}

/** Vertical box mean of a float plane (rows y - r .. y + r that exist), four columns at a time. */
export function boxV(out: usize, src: usize, width: i32, height: i32, r: i32): void {
  for (let y = 0; y < height; y++) {
    const lo = max(0, y - r);
    const hi = min(height - 1, y + r);
    const scale: f32 = 1.0 / <f32>(hi - lo + 1);
    const inv = f32x4.splat(scale);
    const row = (<usize>(y * width)) << 2;
    let x = 0;
    for (; x + 4 <= width; x += 4) {
      let sum = f32x4.splat(0);
      for (let k = lo; k <= hi; k++) sum = f32x4.add(sum, v128.load(src + ((<usize>(k * width + x)) << 2)));
      v128.store(out + row + ((<usize>x) << 2), f32x4.mul(sum, inv));
    }
    for (; x < width; x++) {
      let sum: f32 = 0;
      for (let k = lo; k <= hi; k++) sum += load<f32>(src + ((<usize>(k * width + x)) << 2));
      store<f32>(out + row + ((<usize>x) << 2), sum * scale);
    }
  }
}

/** out = box mean of src with radius r (tmp: a plane of scratch). */
export function boxMean(out: usize, src: usize, tmp: usize, width: i32, height: i32, r: i32): void {
  boxH(tmp, src, width, height, r);
  boxV(out, tmp, width, height, r);
}

/** Bytes of one float plane of n values, padded to a multiple of 4 floats (the loops run 4 at a time). */
function paddedPlaneBytes(n: i32): usize {
  return (<usize>((n + 3) & ~3)) << 2;
}

/**
 * The fast guided filter's coefficients (mask/guided.ts, same steps): guide I and mask P in, A and B
 * out; `work` holds five more planes. Every plane is width * height floats padded to a multiple of 4.
 */
export function guided(
  guide: usize,
  mask: usize,
  outA: usize,
  outB: usize,
  work: usize,
  width: i32,
  height: i32,
  r: i32,
  eps: f32,
): void {
  const n = width * height;
  const plane = paddedPlaneBytes(n);
  const tmp = work;
  const meanI = work + plane;
  const meanP = work + 2 * plane;
  const meanIp = work + 3 * plane;
  const meanIi = work + 4 * plane;
  // outA / outB hold I*P and I*I first, then a and b before their own box means.
  for (let i = 0; i < n; i += 4) {
    const o = (<usize>i) << 2;
    const g = v128.load(guide + o);
    v128.store(outA + o, f32x4.mul(g, v128.load(mask + o)));
    v128.store(outB + o, f32x4.mul(g, g));
  }
  boxMean(meanI, guide, tmp, width, height, r);
  boxMean(meanP, mask, tmp, width, height, r);
  boxMean(meanIp, outA, tmp, width, height, r);
  boxMean(meanIi, outB, tmp, width, height, r);
  const e = f32x4.splat(eps);
  for (let i = 0; i < n; i += 4) {
    const o = (<usize>i) << 2;
    const mi = v128.load(meanI + o);
    const mp = v128.load(meanP + o);
    const variance = f32x4.sub(v128.load(meanIi + o), f32x4.mul(mi, mi));
    const covariance = f32x4.sub(v128.load(meanIp + o), f32x4.mul(mi, mp));
    const a = f32x4.div(covariance, f32x4.add(variance, e));
    v128.store(meanIp + o, a);
    v128.store(meanIi + o, f32x4.sub(mp, f32x4.mul(a, mi)));
  }
  boxMean(outA, meanIp, tmp, width, height, r);
  boxMean(outB, meanIi, tmp, width, height, r);
}

/**
 * Area average of RGBA rows to interleaved RGB floats (composite/resample.ts areaAverageRows, same
 * footprints): rows [y0, y1) of `src` (width pixels each) are summed per column four channels at a time
 * into `columns` (u16x4 per pixel: y1 - y0 <= 257), then each output pixel sums its columns [x0s[ox], x1s[ox]) and
 * divides. `out` gets outWidth RGB triples plus one float of slack (each pixel is stored as 4 lanes).
 * With `encode`, each mean m is stored as (m - subtract) * multiply, in f64 then rounded to f32 (a
 * model's input normalisation, as inference/segmenters/spec.ts encodes it).
 */
export function areaRow(
  out: usize,
  src: usize,
  width: i32,
  y0: i32,
  y1: i32,
  x0s: usize,
  x1s: usize,
  outWidth: i32,
  columns: usize,
  encode: i32,
  subtract: f64,
  multiply: f64,
): void {
  // Column sums in 16-bit lanes (a footprint of at most 257 rows fits), two pixels per vector: half
  // the memory traffic of 32-bit sums. The first row is stored, the others added.
  for (let y = y0; y < y1; y++) {
    const row = src + ((<usize>(y * width)) << 2);
    let x = 0;
    if (y === y0) {
      for (; x + 4 <= width; x += 4) {
        const px = v128.load(row + ((<usize>x) << 2));
        const c = columns + ((<usize>x) << 3);
        v128.store(c, i16x8.extend_low_i8x16_u(px));
        v128.store(c + 16, i16x8.extend_high_i8x16_u(px));
      }
    } else {
      for (; x + 4 <= width; x += 4) {
        const px = v128.load(row + ((<usize>x) << 2));
        const c = columns + ((<usize>x) << 3);
        v128.store(c, i16x8.add(v128.load(c), i16x8.extend_low_i8x16_u(px)));
        v128.store(c + 16, i16x8.add(v128.load(c + 16), i16x8.extend_high_i8x16_u(px)));
      }
    }
    for (; x < width; x++) {
      const px = load<u32>(row + ((<usize>x) << 2));
      const c = columns + ((<usize>x) << 3);
      const v = i16x8.extend_low_i8x16_u(i32x4.splat(px));
      v128.store64_lane(c, y === y0 ? v : i16x8.add(v128.load64_zero(c), v), 0);
    }
  }
  const rows = <f32>(y1 - y0);
  for (let ox = 0; ox < outWidth; ox++) {
    const o = (<usize>ox) << 2;
    const x0 = load<i32>(x0s + o);
    const x1 = load<i32>(x1s + o);
    let sum = i32x4.splat(0);
    for (let x = x0; x < x1; x++)
      sum = i32x4.add(sum, i32x4.extend_low_i16x8_u(v128.load64_zero(columns + ((<usize>x) << 3))));
    let mean = f32x4.mul(f32x4.convert_i32x4_s(sum), f32x4.splat(<f32>1.0 / (rows * <f32>(x1 - x0))));
    if (encode) {
      const lo = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(mean), f64x2.splat(subtract)), f64x2.splat(multiply));
      const high = f64x2.promote_low_f32x4(v128.shuffle<i32>(mean, mean, 2, 3, 2, 3));
      const hi = f64x2.mul(f64x2.sub(high, f64x2.splat(subtract)), f64x2.splat(multiply));
      mean = v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
    }
    v128.store(out + (<usize>ox) * 12, mean);
  }
}

/**
 * The mask's temporal step in one pass (mask/temporal.ts: motionAdaptiveEma, then hysteresisThreshold),
 * the same numbers bit for bit: the EMA in f64 like the JavaScript, and the thresholds `on`, `off`,
 * `threshold` given as the f32 values that compare with an f32 the way their f64 values do.
 * smoothed = previous + (base + (1 - base) * motion) * (current - previous) (flags & 1; else smoothed
 * is current); binary = 1 at or above max(on, threshold), 0 below off, else the previous binary
 * (flags & 2) or smoothed >= threshold. n: a multiple of 4 (planes padded).
 */
export function emaThreshold(
  smoothed: usize,
  previous: usize,
  current: usize,
  motion: usize,
  base: f64,
  binary: usize,
  previousBinary: usize,
  on: f32,
  off: f32,
  threshold: f32,
  n: i32,
  flags: i32,
): void {
  const ema = (flags & 1) != 0;
  const keep = (flags & 2) != 0;
  const vbase = f64x2.splat(base);
  const vgain = f64x2.splat(1 - base);
  const von = f32x4.splat(on);
  const voff = f32x4.splat(off);
  const vthreshold = f32x4.splat(threshold);
  const one = i32x4.splat(1);
  for (let i = 0; i < n; i += 4) {
    const o = (<usize>i) << 2;
    let p = v128.load(current + o);
    if (ema) {
      const prev = v128.load(previous + o);
      const m = v128.load(motion + o);
      const lo = emaLanes(prev, p, m, vbase, vgain);
      const hi = emaLanes(
        v128.shuffle<i32>(prev, prev, 2, 3, 2, 3),
        v128.shuffle<i32>(p, p, 2, 3, 2, 3),
        v128.shuffle<i32>(m, m, 2, 3, 2, 3),
        vbase,
        vgain,
      );
      p = v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
      v128.store(smoothed + o, p);
    }
    const above = f32x4.ge(p, vthreshold);
    const middle = keep
      ? i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(previousBinary + i))), i32x4.splat(0))
      : above;
    const set = v128.and(f32x4.ge(p, von), above);
    const clear = f32x4.lt(p, voff);
    const bits = v128.and(v128.or(set, v128.andnot(middle, clear)), one);
    v128.store32_lane(binary + i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(bits, bits), i16x8.splat(0)), 0);
  }
}

// @ts-ignore: decorator
@inline
function emaLanes(prev: v128, current: v128, motion: v128, base: v128, gain: v128): v128 {
  const p = f64x2.promote_low_f32x4(prev);
  const rate = f64x2.add(base, f64x2.mul(gain, f64x2.promote_low_f32x4(motion)));
  return f64x2.add(p, f64x2.mul(rate, f64x2.sub(f64x2.promote_low_f32x4(current), p)));
}

/**
 * The mask's per-frame tail after island removal (mask/smoother.ts finishMask, the same steps on the
 * same kernels, so the same floats): the binary plane (u8) to floats; the majority filter (box mean of
 * radius contourR, then >= 0.5) when contourR > 0; the feather (box mean of radius featherR) when
 * featherR > 0, giving `alpha`; then guided() of alpha with `guide` into outA, outB. `binary` is read
 * in whole words: its plane is padded to a multiple of 4 bytes. `work`: eight planes.
 */
export function finishTail(
  binary: usize,
  guide: usize,
  alpha: usize,
  outA: usize,
  outB: usize,
  work: usize,
  width: i32,
  height: i32,
  contourR: i32,
  featherR: i32,
  guidedR: i32,
  eps: f32,
): void {
  const n = width * height;
  const plane = paddedPlaneBytes(n);
  const mask = work;
  const tmp = work + plane;
  const mean = work + 2 * plane;
  for (let i = 0; i < n; i += 4)
    v128.store(
      mask + ((<usize>i) << 2),
      f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(binary + i)))),
    );
  if (contourR > 0) {
    boxMean(mean, mask, tmp, width, height, contourR);
    const half = f32x4.splat(0.5);
    const one = f32x4.splat(1);
    for (let i = 0; i < n; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(mask + o, v128.and(f32x4.ge(v128.load(mean + o), half), one));
    }
  }
  if (featherR > 0) boxMean(alpha, mask, tmp, width, height, featherR);
  else memory.copy(alpha, mask, plane);
  guided(guide, alpha, outA, outB, work + 3 * plane, width, height, guidedR, eps);
}
