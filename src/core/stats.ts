/**
 * Rolling statistics kept in fixed-size rings, so stats never grow memory over a long stream.
 */
export class RollingWindow {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(readonly capacity = 512) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  get count(): number {
    return this.filled;
  }

  /** q in [0, 1]; NaN when empty. */
  percentile(q: number): number {
    if (this.filled === 0) return Number.NaN;
    const sorted = Array.from(this.values.subarray(0, this.filled)).sort((a, b) => a - b);
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[index];
  }

  mean(): number {
    if (this.filled === 0) return Number.NaN;
    let sum = 0;
    for (let i = 0; i < this.filled; i++) sum += this.values[i];
    return sum / this.filled;
  }

  clear(): void {
    this.next = 0;
    this.filled = 0;
  }
}

/** Events per second over the last `windowMs`, from at most `capacity` recent event timestamps. */
export class RateMeter {
  private readonly stamps: number[] = [];

  constructor(
    private readonly windowMs = 2000,
    private readonly capacity = 512,
  ) {}

  mark(now = performance.now()): void {
    this.stamps.push(now);
    this.trim(now);
  }

  rate(now = performance.now()): number {
    this.trim(now);
    if (this.stamps.length < 2) return 0;
    const span = (now - this.stamps[0]) / 1000;
    return span > 0 ? this.stamps.length / span : 0;
  }

  private trim(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.stamps.length > 0 && (this.stamps[0] < cutoff || this.stamps.length > this.capacity))
      this.stamps.shift();
  }
}

export interface LatencySummary {
  p50: number;
  p95: number;
  count: number;
}

export const summarize = (w: RollingWindow): LatencySummary => ({
  p50: round2(w.percentile(0.5)),
  p95: round2(w.percentile(0.95)),
  count: w.count,
});

export const round2 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 100) / 100 : 0);
