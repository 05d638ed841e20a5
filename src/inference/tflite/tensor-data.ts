import type { Quantization } from './schema.ts';
import { TensorType } from './schema.ts';

/** Constant data at import time: real values as float, integer tensors (shapes, axes) as int32. */
export type ConstData = Float32Array | Int32Array;

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Decodes a constant tensor's buffer to real values. Quantized integers are dequantized
 * ((q - zero_point) * scale, per channel along quantizedDimension); fp16 is widened.
 * Returns undefined for a type the importer does not decode (the caller names it in an error).
 */
export function decodeBuffer(
  bytes: Uint8Array,
  type: number,
  shape: readonly number[],
  quantization: Quantization | undefined,
): ConstData | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = shape.length === 0 ? Math.max(1, bytes.length / bytesPer(type)) : sizeOf(shape);
  const read = (i: number): number => {
    switch (type) {
      case TensorType.FLOAT32:
        return view.getFloat32(4 * i, true);
      case TensorType.FLOAT16:
        return halfToFloat(view.getUint16(2 * i, true));
      case TensorType.INT32:
        return view.getInt32(4 * i, true);
      case TensorType.INT64:
        return Number(view.getBigInt64(8 * i, true));
      case TensorType.INT8:
        return view.getInt8(i);
      case TensorType.UINT8:
        return view.getUint8(i);
      case TensorType.INT16:
        return view.getInt16(2 * i, true);
      default:
        return Number.NaN;
    }
  };
  if (!(type in BYTES_PER)) return undefined;
  if (count * bytesPer(type) > bytes.length) return undefined;
  const isFloat = type === TensorType.FLOAT32 || type === TensorType.FLOAT16;
  if (!quantization && !isFloat) {
    return Int32Array.from({ length: count }, (_, i) => read(i));
  }
  const out = new Float32Array(count);
  if (!quantization) {
    for (let i = 0; i < count; i++) out[i] = read(i);
    return out;
  }
  const { scale, zeroPoint, quantizedDimension } = quantization;
  // Per-channel: the channel of flat index i along axis d is floor(i / inner) % dims[d].
  const axis = scale.length > 1 ? quantizedDimension : -1;
  const inner = axis >= 0 ? sizeOf(shape.slice(axis + 1)) : 1;
  const channels = axis >= 0 ? shape[axis] : 1;
  for (let i = 0; i < count; i++) {
    const c = axis >= 0 ? Math.floor(i / inner) % channels : 0;
    out[i] = (read(i) - (zeroPoint[c] ?? 0)) * scale[c];
  }
  return out;
}

const BYTES_PER: Record<number, number> = {
  [TensorType.FLOAT32]: 4,
  [TensorType.FLOAT16]: 2,
  [TensorType.INT32]: 4,
  [TensorType.INT64]: 8,
  [TensorType.INT8]: 1,
  [TensorType.UINT8]: 1,
  [TensorType.INT16]: 2,
};

const bytesPer = (type: number): number => BYTES_PER[type] ?? 1;

/** IEEE 754 binary16 -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Transposes a dense row-major tensor: out dim i = in dim perm[i]. */
export function transposeData<T extends ConstData>(
  data: T,
  shape: readonly number[],
  perm: readonly number[],
): T {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = stridesOf(shape);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < data.length; o++) {
    let source = 0;
    for (let d = 0; d < rank; d++) source += index[d] * inStrides[perm[d]];
    out[o] = data[source];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/** NumPy broadcasting of two shapes; undefined if they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Evaluates an elementwise binary function on constants with broadcasting. */
export function broadcastBinary(
  a: ConstData,
  aShape: readonly number[],
  b: ConstData,
  bShape: readonly number[],
  outShape: readonly number[],
  fn: (x: number, y: number) => number,
  asInt: boolean,
): ConstData {
  const total = sizeOf(outShape);
  const out = asInt ? new Int32Array(total) : new Float32Array(total);
  const rank = outShape.length;
  const stridesFor = (shape: readonly number[]): number[] => {
    const padded = [...new Array(rank - shape.length).fill(1), ...shape];
    const strides = stridesOf(padded);
    return padded.map((d, i) => (d === 1 ? 0 : strides[i]));
  };
  const sa = stridesFor(aShape);
  const sb = stridesFor(bShape);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < total; o++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      ia += index[d] * sa[d];
      ib += index[d] * sb[d];
    }
    out[o] = fn(a[ia], b[ib]);
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}
