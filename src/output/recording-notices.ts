import { extname } from 'node:path';
import type { Frame } from '../core/frame.ts';
import type { Logger } from '../core/log.ts';
import { containerFor, keepsAlpha } from './recorder-args.ts';

/** "the encoder cannot keep up" is repeated at most this often, with the counts since. */
const DROP_WARNING_MS = 30_000;
/** Drops before the first such warning (a start-up hiccup of a frame or two is not worth a line). */
const DROP_WARNING_MIN = 10;

/**
 * The recorder's warnings about a file that will not be what the streamer expects: frames dropped
 * because the encoder cannot keep up (the file runs short), and a transparent picture going into a
 * container without alpha (it is recorded opaque). Each says so once, then rarely.
 */
export class RecordingNotices {
  private encoderDrops = 0;
  private encoderDropsWarned = 0;
  private dropWarnedAt = -Infinity;
  private alphaSettled: boolean;
  private alphaLooks = 0;

  constructor(
    private readonly log: Logger,
    /** The path asked for: its extension says the container. */
    private readonly requestedPath: string,
    private readonly fps: number,
  ) {
    this.alphaSettled = keepsAlpha(containerFor(requestedPath));
  }

  /** One line the first time the encoder's pipe is full for a while, then at most every 30 s with counts. */
  droppedByEncoder(currentPath: string, codec: string): void {
    this.encoderDrops++;
    const now = performance.now();
    const since = this.encoderDrops - this.encoderDropsWarned;
    if (since < DROP_WARNING_MIN || now - this.dropWarnedAt < DROP_WARNING_MS) return;
    this.dropWarnedAt = now;
    this.encoderDropsWarned = this.encoderDrops;
    const hint =
      extname(this.requestedPath) === '.mov'
        ? 'use .mkv or .webm'
        : 'use a faster --preset, a hardware --encoder or a smaller size';
    const all = since !== this.encoderDrops ? ` (${this.encoderDrops} in all)` : '';
    this.log.warn(
      `recording ${currentPath}: the encoder (${codec}) cannot keep up: ${since} frames dropped${all}, so the file runs short (hint: ${hint})`,
    );
  }

  /**
   * One warning the first time a sampled frame (one a second) shows transparency that the container
   * cannot keep. Sampling every 16th pixel costs ~0.1 ms at 720p.
   */
  checkAlpha(frame: Frame, currentPath: string): void {
    if (this.alphaSettled) return;
    if (this.alphaLooks++ % Math.max(1, Math.round(this.fps)) !== 0) return;
    const data = frame.data;
    for (let i = 3; i < data.length; i += 64) {
      if (data[i] === 255) continue;
      this.alphaSettled = true;
      this.log.warn(
        `recording ${currentPath}: the picture is transparent but ${extname(this.requestedPath)} has no alpha, so it is recorded opaque (hint: use .webm or .mov to keep the transparency)`,
      );
      return;
    }
  }
}
