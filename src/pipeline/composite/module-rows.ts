import { type PixelSimd, SIMD_HEAP_BASE, simdMemory } from '../../core/simd/pixel-simd.ts';
import { TwoRowCache } from './row-cache.ts';

/**
 * Stretched rows made in the WebAssembly module (core/simd) for the compositing kernels: the guided
 * coefficients' rows (grid width -> frame width), filled by stretchFloatRow. The JavaScript fill took
 * ~1.6 of ~3.9 ms per 720p composite on one core (288 coefficient rows of 1280 floats per frame).
 */

/** Bump allocation in the module's memory, from SIMD_HEAP_BASE, 16-byte aligned. */
export class ModuleLayout {
  private end = SIMD_HEAP_BASE;

  take(bytes: number): number {
    const at = this.end;
    this.end += Math.ceil(bytes / 16) * 16;
    return at;
  }

  get size(): number {
    return this.end;
  }
}

/** Two stretched rows in the module's memory, by source row index: row(r) is a byte offset. */
export class ModuleRows extends TwoRowCache<number> {
  /** `slots`: where the two rows live; `write(r, at)` writes source row r stretched at `at`. */
  constructor(
    slots: [number, number],
    private readonly write: (r: number, at: number) => void,
  ) {
    super(slots);
  }

  protected fill(r: number, at: number): void {
    this.write(r, at);
  }
}

/** A horizontal stretch: per output column the two source columns and the second one's weight. */
export interface ColumnTaps {
  i0: Int32Array;
  i1: Int32Array;
  w: Float32Array;
}

/**
 * The coefficient planes A and B copied into the module with the grid-to-frame column taps, and a
 * two-row cache for each. Construct (it reserves its space in `layout`), grow the module's memory to
 * layout.size, then fill(): views made before a grow are stale.
 */
export class ModuleCoefficients {
  private readonly tables: number[];
  private readonly planes: number[];
  private readonly slots: number[];

  constructor(
    layout: ModuleLayout,
    private readonly width: number,
    private readonly gridWidth: number,
    gridHeight: number,
  ) {
    this.tables = [0, 1, 2].map(() => layout.take(width * 4));
    this.planes = [0, 1].map(() => layout.take(gridWidth * gridHeight * 4));
    this.slots = [0, 1, 2, 3].map(() => layout.take(width * 4));
  }

  /**
   * Copies the planes and taps in (the module's memory must be grown already); returns A's and B's rows.
   * `columns(r)`: the frame columns [xs, xe) a row is read at (default: all of them).
   */
  fill(
    simd: PixelSimd,
    a: Float32Array,
    b: Float32Array,
    gx: ColumnTaps,
    columns: (r: number) => readonly [number, number] = () => [0, this.width],
  ): { a: ModuleRows; b: ModuleRows } {
    const { buffer } = simd.memory;
    const [first, second, weight] = this.tables;
    new Int32Array(buffer, first, this.width).set(gx.i0);
    new Int32Array(buffer, second, this.width).set(gx.i1);
    new Float32Array(buffer, weight, this.width).set(gx.w);
    new Float32Array(buffer, this.planes[0], a.length).set(a);
    new Float32Array(buffer, this.planes[1], b.length).set(b);
    const rowBytes = this.gridWidth * 4;
    const rows = (plane: number, slots: [number, number]) =>
      new ModuleRows(slots, (r, at) => {
        const [xs, xe] = columns(r);
        simd.stretchFloatRow(at, plane + r * rowBytes, first, second, weight, xs, xe);
      });
    const [s0, s1, s2, s3] = this.slots;
    return { a: rows(this.planes[0], [s0, s1]), b: rows(this.planes[1], [s2, s3]) };
  }
}

/** ModuleRows as Float32Array views (for the JavaScript kernel), one view per slot. */
export class ModuleFloatRows {
  private readonly views: [Float32Array, Float32Array];

  constructor(
    private readonly cache: ModuleRows,
    memory: ArrayBuffer,
    width: number,
  ) {
    this.views = [
      new Float32Array(memory, cache.rows[0], width),
      new Float32Array(memory, cache.rows[1], width),
    ];
  }

  row(r: number): Float32Array {
    return this.cache.row(r) === this.cache.rows[0] ? this.views[0] : this.views[1];
  }
}

/** Module coefficient rows as Float32Arrays for one job (JavaScript kernel with the module loaded). */
export function moduleCoefficientRows(
  simd: PixelSimd,
  job: { width: number; gridWidth: number; gridHeight: number; coeffA: Float32Array; coeffB: Float32Array },
  gx: ColumnTaps,
): { a: ModuleFloatRows; b: ModuleFloatRows } {
  const layout = new ModuleLayout();
  const coefficients = new ModuleCoefficients(layout, job.width, job.gridWidth, job.gridHeight);
  const memory = simdMemory(simd, layout.size);
  const { a, b } = coefficients.fill(simd, job.coeffA, job.coeffB, gx);
  return { a: new ModuleFloatRows(a, memory, job.width), b: new ModuleFloatRows(b, memory, job.width) };
}
