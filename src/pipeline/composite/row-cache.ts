/**
 * Two rows kept by source row index: going down the frame, the two source rows being blended change
 * only every few frame rows, so each is computed once per band instead of once per frame row.
 */
export abstract class TwoRowCache<T> {
  private readonly index = [-1, -1];
  private next = 0;

  constructor(readonly rows: [T, T]) {}

  row(r: number): T {
    if (this.index[0] === r) return this.rows[0];
    if (this.index[1] === r) return this.rows[1];
    const slot = this.next;
    this.next = 1 - slot;
    this.index[slot] = r;
    this.fill(r, this.rows[slot]);
    return this.rows[slot];
  }

  protected abstract fill(r: number, out: T): void;
}
