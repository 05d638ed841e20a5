/**
 * Frame buffers that go back to their pool once nobody reads them any more. Capture needs a
 * frame-sized buffer per frame; taking a fresh one each time (~110 MB/s at 720p30), and keeping it
 * through effect and sinks for a frame or two, kept V8 running a major GC every ~100 ms here (~25 % of
 * a core and pauses of 2-13 ms on the frame path).
 *
 * Whoever keeps a frame's pixels past the call that gave it to them takes a hold and releases it once.
 * Whoever cannot say when it is done marks the buffer kept, and it is never reused: forgetting a hold
 * can only cost a reuse, never hand out pixels someone still reads.
 */
export interface FrameHold {
  /** Gives the hold back (later calls do nothing). */
  release(): void;
}

/** What a sink gets with a frame: the right to keep its pixels for a while. */
export interface FrameLease {
  hold(): FrameHold;
}

export class BufferLedger {
  private readonly holds = new Map<Uint8Array, number>();
  private readonly kept = new WeakSet<Uint8Array>();

  /** @param giveBack receives a buffer nobody holds any more (the capture pool ignores foreign ones). */
  constructor(private readonly giveBack: (data: Uint8Array) => void) {}

  hold(data: Uint8Array): FrameHold {
    this.holds.set(data, (this.holds.get(data) ?? 0) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.drop(data);
      },
    };
  }

  lease(data: Uint8Array): FrameLease {
    return { hold: () => this.hold(data) };
  }

  /** Someone keeps the buffer for good: it is never given back. */
  keep(data: Uint8Array): void {
    this.kept.add(data);
  }

  /** Buffers held right now (for tests and stats). */
  get held(): number {
    return this.holds.size;
  }

  private drop(data: Uint8Array): void {
    const left = (this.holds.get(data) ?? 1) - 1;
    if (left > 0) {
      this.holds.set(data, left);
      return;
    }
    this.holds.delete(data);
    if (!this.kept.has(data)) this.giveBack(data);
  }
}
