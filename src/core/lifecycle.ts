import { EventEmitter } from 'node:events';
import type { Frame } from './frame.ts';
import type { FrameLease } from './frame-lease.ts';

/** Every stage has the same life: start, stop (idempotent, awaits its children and processes). */
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A source emits frames; it never buffers more than one frame ahead of its consumer. */
export interface FrameSource extends Lifecycle {
  on(event: 'frame', listener: (frame: Frame) => void): this;
  on(event: 'restart', listener: (info: { attempt: number; reason: string }) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  // biome-ignore lint/suspicious/noExplicitAny: matches EventEmitter.off so EventEmitter subclasses satisfy it
  off(event: string, listener: (...args: any[]) => void): this;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
}

/** A sink takes frames without blocking the caller; a slow sink drops frames and counts them. */
export interface FrameSink extends Lifecycle {
  readonly name: string;
  /**
   * True when the sink keeps a frame's pixels past write() only under a hold from the lease it is
   * given (core/frame-lease.ts), so the buffer can be reused after. Otherwise its buffers never are.
   */
  readonly releasesFrames?: boolean;
  /** Offer a frame. Returns false when the sink dropped it (busy). Never throws for I/O trouble. */
  write(frame: Frame, lease?: FrameLease): boolean;
  stats(): SinkStats;
}

export interface SinkStats {
  name: string;
  state: 'idle' | 'running' | 'reconnecting' | 'failed' | 'stopped';
  written: number;
  dropped: number;
  detail?: string;
}

/** An EventEmitter whose throwing listener is logged rather than crashing the daemon (mediasoup's safeEmit). */
export class SafeEmitter extends EventEmitter {
  constructor(private readonly onListenerError: (error: unknown, event: string | symbol) => void = () => {}) {
    super();
  }

  safeEmit(event: string | symbol, ...args: unknown[]): boolean {
    try {
      return super.emit(event, ...args);
    } catch (error) {
      this.onListenerError(error, event);
      return true;
    }
  }
}
