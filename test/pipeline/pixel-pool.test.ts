import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFloat32, sharedUint8 } from '../../src/core/shared-memory.ts';
import { BandClaims, bandCount, bandRows } from '../../src/pipeline/composite/band-claims.ts';
import { type CompositeJob, compositeRows } from '../../src/pipeline/composite/kernels.ts';
import { PixelPool } from '../../src/pipeline/composite/pool.ts';
import { type AreaJob, areaAverageRows } from '../../src/pipeline/composite/resample.ts';
import { compositeJob, noise } from '../helpers/composite-jobs.ts';

/** The job with every array on shared memory (what the pool's callers pass). */
function sharedJob(job: CompositeJob): CompositeJob {
  const share = <T extends Uint8Array | Float32Array>(array: T, make: (n: number) => T): T => {
    const copy = make(array.length);
    copy.set(array);
    return copy;
  };
  const background = job.background;
  return {
    ...job,
    frame: share(job.frame, sharedUint8),
    out: sharedUint8(job.out.length),
    coeffA: share(job.coeffA, sharedFloat32),
    coeffB: share(job.coeffB, sharedFloat32),
    background:
      background.kind === 'image' ? { ...background, data: share(background.data, sharedUint8) } : background,
  };
}

describe('row bands taken on demand', () => {
  it('hands out each band of a job once, then none; a stale tag gets none', () => {
    const claims = BandClaims.create(2);
    claims.open(1, 7);
    const taken = [
      claims.claim(1, 7, 4),
      claims.claim(1, 7, 4),
      claims.claim(1, 7, 4),
      claims.claim(1, 7, 4),
    ];
    expect(taken).toEqual([0, 1, 2, 3]);
    expect(claims.claim(1, 7, 4)).toBe(-1);
    expect(claims.claim(1, 6, 4)).toBe(-1);
    expect(claims.claim(0, 7, 4)).toBe(-1);
    expect([false, true, false].map((failed) => claims.finish(1, 4, failed))).toEqual([false, false, false]);
    expect(claims.finish(1, 4, false)).toBe(true);
    expect(claims.failed(1)).toBe(true);
    claims.open(1, 8);
    expect(claims.failed(1)).toBe(false);
    expect(claims.claim(1, 7, 4)).toBe(-1);
    expect(claims.claim(1, 8, 4)).toBe(0);
    expect(() => claims.open(0, 0x8000)).toThrow(RangeError);
  });

  it('bands cover the rows exactly, in order, none empty while rows suffice', () => {
    for (const rows of [1, 7, 144, 720, 1081])
      for (const workers of [1, 2, 3, 4]) {
        const bands = bandCount(rows, workers);
        expect(bands).toBeLessThanOrEqual(Math.max(1, rows));
        let next = 0;
        for (let band = 0; band < bands; band++) {
          const [start, end] = bandRows(band, bands, rows);
          expect(start).toBe(next);
          expect(end).toBeGreaterThan(start);
          next = end;
        }
        expect(next).toBe(rows);
      }
  });
});

describe('the pixel pool', () => {
  let pool: PixelPool;
  beforeAll(async () => {
    pool = await PixelPool.create(3);
  });
  afterAll(async () => {
    await pool?.dispose();
  });

  it('composites every row as the kernel does on one thread, and in place over the frame the same', async () => {
    for (const background of [
      { width: 129, height: 11 }, // the SIMD path (image background)
      undefined, // the JavaScript path (colour background)
    ]) {
      const base = compositeJob(1283, 181, background ?? { width: 1, height: 1 });
      const plain = background
        ? base
        : { ...base, background: { kind: 'color' as const, rgba: [9, 8, 7, 255] as const } };
      const job = sharedJob(plain as CompositeJob);
      compositeRows(plain as CompositeJob, 0, plain.height);
      await pool.run('composite', job, job.height);
      expect(Buffer.compare(job.out, plain.out), 'pool vs one thread').toBe(0);
      const inPlace = { ...job, out: job.frame };
      await pool.run('composite', inPlace, job.height);
      expect(Buffer.compare(inPlace.out, plain.out), 'in place vs one thread').toBe(0);
    }
  });

  it('runs more jobs at once than it has slots, each with its own rows right', async () => {
    const width = 320;
    const height = 96;
    const jobs = Array.from({ length: 20 }, (_, i): AreaJob => {
      const rgba = sharedUint8(width * height * 4);
      rgba.set(noise(rgba.length, i + 1));
      return {
        rgba,
        width,
        height,
        srcX: i,
        srcY: 0,
        srcWidth: width - i,
        srcHeight: height,
        out: sharedFloat32(40 * 24 * 3),
        outWidth: 40,
        outHeight: 24,
      };
    });
    await Promise.all(jobs.map((job) => pool.run('area', job, job.outHeight)));
    for (const job of jobs) {
      const expected = { ...job, out: new Float32Array(job.out.length) };
      areaAverageRows(expected, 0, job.outHeight);
      const maxDiff = job.out.reduce((max, v, i) => Math.max(max, Math.abs(v - expected.out[i])), 0);
      expect(maxDiff).toBeLessThan(1e-3);
    }
  });

  it('several shrinks in one job (areas): each output as its own job would give it, bands across the seam', async () => {
    const [width, height] = [97, 61];
    const rgba = sharedUint8(width * height * 4);
    rgba.set(noise(rgba.length, 5));
    const shrink = (outWidth: number, outHeight: number, srcX: number): AreaJob => ({
      rgba,
      width,
      height,
      srcX,
      srcY: 0,
      srcWidth: width - srcX,
      srcHeight: height,
      out: sharedFloat32(outWidth * outHeight * 3),
      outWidth,
      outHeight,
    });
    const shrinks = [shrink(32, 33, 0), shrink(20, 11, 7.5)];
    await pool.run('areas', { shrinks }, 33 + 11);
    for (const job of shrinks) {
      const expected = { ...job, out: new Float32Array(job.out.length) };
      areaAverageRows(expected, 0, job.outHeight);
      const maxDiff = job.out.reduce((max, v, i) => Math.max(max, Math.abs(v - expected.out[i])), 0);
      expect(maxDiff).toBeLessThan(1e-3);
      expect(Math.max(...job.out)).toBeGreaterThan(0); // written
    }
  });

  it('a kernel that throws fails its job with the worker’s message; the pool keeps working', async () => {
    const broken = { ...sharedJob(compositeJob(64, 48, { width: 8, height: 6 })), out: undefined };
    await expect(pool.run('composite', broken as unknown as CompositeJob, 48)).rejects.toThrow(
      /pixel worker: /,
    );
    const job = sharedJob(compositeJob(64, 48, { width: 8, height: 6 }));
    await pool.run('composite', job, 48);
    const reference = compositeJob(64, 48, { width: 8, height: 6 });
    compositeRows(reference, 0, 48);
    expect(Buffer.compare(job.out, reference.out)).toBe(0);
  });
});
