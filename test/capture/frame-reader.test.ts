import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferPool, FrameAssembler } from '../../src/capture/frame-reader.ts';

/** A byte stream of `count` frames where every byte says which frame it belongs to and where. */
function stream(frameBytes: number, count: number): Uint8Array {
  const bytes = new Uint8Array(frameBytes * count);
  for (let f = 0; f < count; f++)
    for (let i = 0; i < frameBytes; i++) bytes[f * frameBytes + i] = (f * 31 + i * 7) & 0xff;
  return bytes;
}

function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    if (p > last) chunks.push(bytes.subarray(last, p));
    last = Math.max(last, p);
  }
  return chunks;
}

describe('FrameAssembler', () => {
  it('turns any chunking into exactly the original frames, in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (frameBytes, count, cuts) => {
          const bytes = stream(frameBytes, count);
          const assembler = new FrameAssembler(frameBytes);
          const frames: Buffer[] = [];
          for (const chunk of chunked(bytes, cuts)) assembler.push(chunk, (f) => frames.push(Buffer.from(f)));
          expect(frames.length).toBe(count);
          for (const [i, f] of frames.entries())
            expect(f.equals(Buffer.from(bytes.subarray(i * frameBytes, (i + 1) * frameBytes)))).toBe(true);
          expect(assembler.partialBytes).toBe(0);
        },
      ),
    );
  });

  it('hands out a distinct buffer for every frame unless one is recycled', () => {
    const assembler = new FrameAssembler(4, new BufferPool(4));
    const seen: Buffer[] = [];
    assembler.push(new Uint8Array(12), (f) => seen.push(f));
    expect(new Set(seen).size).toBe(3);
  });

  it('reuses a recycled buffer and never a buffer still held', () => {
    const pool = new BufferPool(4);
    const assembler = new FrameAssembler(4, pool);
    const seen: Buffer[] = [];
    assembler.push(new Uint8Array([1, 2, 3, 4]), (f) => seen.push(f));
    pool.recycle(seen[0]);
    pool.recycle(seen[0]); // a double recycle must not let two frames share it
    assembler.push(new Uint8Array([5, 6, 7, 8, 9, 10, 11, 12]), (f) => seen.push(f));
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[1]);
    expect([...seen[2]]).toEqual([9, 10, 11, 12]);
    expect(pool.reused).toBe(1);
  });

  it('drops a partial frame on reset and starts clean', () => {
    const assembler = new FrameAssembler(4);
    const frames: number[][] = [];
    assembler.push(new Uint8Array([1, 2, 3]), (f) => frames.push([...f]));
    expect(assembler.reset()).toBe(3);
    assembler.push(new Uint8Array([9, 9, 9, 9]), (f) => frames.push([...f]));
    expect(frames).toEqual([[9, 9, 9, 9]]);
  });

  it('ignores foreign buffers given back to the pool', () => {
    const pool = new BufferPool(8);
    pool.recycle(Buffer.alloc(4));
    pool.recycle(new Uint8Array(8));
    expect(pool.freeCount).toBe(0);
  });
});
