import { ByteBuffer } from 'flatbuffers';

/** Thrown by the readers when the bytes are not a well-formed flatbuffer; import.ts turns it into MODEL_CORRUPT. */
export class CorruptFlatbufferError extends Error {}

/**
 * A bounds-checked view of one flatbuffer table. The flatbuffers runtime reads past the end of a
 * truncated file without complaint (it yields zeros or NaN), so every position is checked here.
 * Fields are addressed by their index in the schema (vtable slot 4 + 2 * index).
 */
export class FbTable {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {
    check(bb, pos, 4, 'table');
    const vtable = pos - bb.readInt32(pos);
    check(bb, vtable, 4, 'vtable');
  }

  static root(bytes: Uint8Array): FbTable {
    const bb = new ByteBuffer(bytes);
    check(bb, 0, 4, 'root offset');
    return new FbTable(bb, bb.readUint32(0));
  }

  /** Offset of the field inside the table, or 0 when absent. */
  private field(index: number): number {
    const offset = this.bb.__offset(this.pos, 4 + 2 * index);
    if (offset) check(this.bb, this.pos + offset, 1, `field ${index}`);
    return offset;
  }

  has(index: number): boolean {
    return this.field(index) !== 0;
  }

  int8(index: number, fallback = 0): number {
    const o = this.field(index);
    return o ? this.bb.readInt8(this.pos + o) : fallback;
  }

  uint8(index: number, fallback = 0): number {
    const o = this.field(index);
    return o ? this.bb.readUint8(this.pos + o) : fallback;
  }

  bool(index: number, fallback = false): boolean {
    const o = this.field(index);
    return o ? this.bb.readUint8(this.pos + o) !== 0 : fallback;
  }

  int32(index: number, fallback = 0): number {
    const o = this.field(index);
    if (!o) return fallback;
    check(this.bb, this.pos + o, 4, `field ${index}`);
    return this.bb.readInt32(this.pos + o);
  }

  uint32(index: number, fallback = 0): number {
    const o = this.field(index);
    if (!o) return fallback;
    check(this.bb, this.pos + o, 4, `field ${index}`);
    return this.bb.readUint32(this.pos + o);
  }

  string(index: number): string | undefined {
    const o = this.field(index);
    if (!o) return undefined;
    const start = this.indirect(this.pos + o);
    const length = this.bb.readInt32(start);
    check(this.bb, start + 4, length, 'string');
    return this.bb.__string(this.pos + o) as string;
  }

  table(index: number): FbTable | undefined {
    const o = this.field(index);
    return o ? new FbTable(this.bb, this.indirect(this.pos + o)) : undefined;
  }

  /** Start (absolute byte position) and length of a vector field, bounds-checked for `elementSize`. */
  private vector(index: number, elementSize: number): { start: number; length: number } {
    const o = this.field(index);
    if (!o) return { start: 0, length: 0 };
    const at = this.indirect(this.pos + o);
    const length = this.bb.readInt32(at);
    if (length < 0) throw new CorruptFlatbufferError(`negative vector length at byte ${at}`);
    check(this.bb, at + 4, length * elementSize, `vector field ${index}`);
    return { start: at + 4, length };
  }

  tables(index: number): FbTable[] {
    const { start, length } = this.vector(index, 4);
    const out: FbTable[] = [];
    for (let i = 0; i < length; i++) out.push(new FbTable(this.bb, this.indirect(start + 4 * i)));
    return out;
  }

  int32s(index: number): number[] {
    const { start, length } = this.vector(index, 4);
    return Array.from({ length }, (_, i) => this.bb.readInt32(start + 4 * i));
  }

  float32s(index: number): number[] {
    const { start, length } = this.vector(index, 4);
    return Array.from({ length }, (_, i) => this.bb.readFloat32(start + 4 * i));
  }

  int64s(index: number): number[] {
    const { start, length } = this.vector(index, 8);
    return Array.from({ length }, (_, i) => Number(this.bb.readInt64(start + 8 * i)));
  }

  /** A [ubyte] vector as a view on the file's bytes (no copy). */
  bytes(index: number): Uint8Array {
    const { start, length } = this.vector(index, 1);
    const all = this.bb.bytes();
    return all.subarray(start, start + length);
  }

  private indirect(at: number): number {
    check(this.bb, at, 4, 'offset');
    const target = at + this.bb.readUint32(at);
    check(this.bb, target, 4, 'offset target');
    return target;
  }
}

function check(bb: ByteBuffer, pos: number, size: number, what: string): void {
  if (!Number.isInteger(pos) || pos < 0 || pos + size > bb.capacity()) {
    throw new CorruptFlatbufferError(
      `${what} at byte ${pos} (+${size}) lies outside the ${bb.capacity()}-byte file`,
    );
  }
}
