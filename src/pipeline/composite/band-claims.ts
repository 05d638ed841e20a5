/**
 * Row bands handed out on demand: a pool job is cut into more bands than there are workers, and each
 * worker takes the next unclaimed band until none is left. A worker the OS holds back (ffmpeg decoding,
 * the model's thread) then delays the job by one small band, not by half the frame, and bands that
 * cost more (rows through the person's edge) even out.
 *
 * Shared counters, per slot (one slot per job in flight): [tag << 16 | next band, bands done, failed].
 * The tag tells a job from the slot's earlier jobs: a worker that reads a job's message late finds a
 * different tag (or no band left) and does nothing.
 */
const CELLS_PER_SLOT = 3;
const MAX_TAG = 0x7fff;
const MAX_BANDS = 0xffff;

export class BandClaims {
  private constructor(readonly cells: Int32Array) {}

  static create(slots: number): BandClaims {
    return new BandClaims(new Int32Array(new SharedArrayBuffer(slots * CELLS_PER_SLOT * 4)));
  }

  /** The counters as another thread sees them (from the `cells` it was sent). */
  static attach(cells: Int32Array): BandClaims {
    return new BandClaims(cells);
  }

  /** Opens `slot` for a new job (nobody may be working on the slot's previous job). */
  open(slot: number, tag: number): void {
    if (tag < 1 || tag > MAX_TAG) throw new RangeError(`band tag ${tag} outside 1..${MAX_TAG}`);
    const at = slot * CELLS_PER_SLOT;
    Atomics.store(this.cells, at + 1, 0);
    Atomics.store(this.cells, at + 2, 0);
    Atomics.store(this.cells, at, tag << 16);
  }

  /** The next unclaimed band of the job (slot, tag), or -1 when all are taken (or the slot moved on). */
  claim(slot: number, tag: number, bands: number): number {
    const at = slot * CELLS_PER_SLOT;
    for (;;) {
      const word = Atomics.load(this.cells, at);
      const band = word & MAX_BANDS;
      if (word >>> 16 !== tag || band >= bands) return -1;
      if (Atomics.compareExchange(this.cells, at, word, word + 1) === word) return band;
    }
  }

  /** Counts a claimed band as done (failed: its kernel threw); true for the job's last band. */
  finish(slot: number, bands: number, failed: boolean): boolean {
    const at = slot * CELLS_PER_SLOT;
    if (failed) Atomics.store(this.cells, at + 2, 1);
    return Atomics.add(this.cells, at + 1, 1) + 1 === bands;
  }

  failed(slot: number): boolean {
    return Atomics.load(this.cells, slot * CELLS_PER_SLOT + 2) === 1;
  }
}

export const nextTag = (tag: number): number => (tag >= MAX_TAG ? 1 : tag + 1);

/** Band `band` of `bands` over rows [0, rows): [rowStart, rowEnd), as even as whole rows allow. */
export function bandRows(band: number, bands: number, rows: number): [number, number] {
  return [Math.floor((band * rows) / bands), Math.floor(((band + 1) * rows) / bands)];
}

/** How many bands a job of `rows` rows is cut into for `workers` workers. */
export function bandCount(rows: number, workers: number, perWorker = 4): number {
  return Math.max(1, Math.min(rows, workers * perWorker, MAX_BANDS));
}
