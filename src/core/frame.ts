/**
 * A Frame is the one currency between stages: RGBA pixels, their size and when they were taken.
 * Pixel buffers are never shared between two live frames; a stage that changes pixels makes a new Frame.
 */
export interface Frame {
  readonly width: number;
  readonly height: number;
  /** RGBA, 8 bits per channel, row-major, width * height * 4 bytes. */
  readonly data: Uint8Array;
  /** Presentation time in seconds, from the source (0 at the first frame of a capture session). */
  readonly pts: number;
  /** Capture sequence number: strictly increasing for the life of a capture, across ffmpeg restarts. */
  readonly seq: number;
  /** performance.now() (ms) when the last byte of this frame was read: the start of end-to-end latency. */
  readonly readAt: number;
}

export const bytesPerFrame = (width: number, height: number): number => width * height * 4;

export function makeFrame(fields: Frame): Frame {
  const expected = bytesPerFrame(fields.width, fields.height);
  if (fields.data.length !== expected) {
    throw new RangeError(
      `frame ${fields.width}x${fields.height} needs ${expected} bytes, got ${fields.data.length}`,
    );
  }
  return fields;
}

/** A copy of pixels (a Buffer's slice() would be a view on the same memory, as capture's buffers are). */
export const copyOf = (data: Uint8Array): Uint8Array => new Uint8Array(data);

/** Same timing, new pixels (what an effect returns). */
export function withPixels(
  frame: Frame,
  data: Uint8Array,
  width = frame.width,
  height = frame.height,
): Frame {
  return makeFrame({ width, height, data, pts: frame.pts, seq: frame.seq, readAt: frame.readAt });
}

/** A solid-colour frame, used as a slate while a source is restarting. */
export function solidFrame(
  width: number,
  height: number,
  rgba: [number, number, number, number],
  seq = 0,
): Frame {
  const data = new Uint8Array(bytesPerFrame(width, height));
  const pixel = new Uint32Array(data.buffer);
  pixel.fill(rgba[0] | (rgba[1] << 8) | (rgba[2] << 16) | (rgba[3] << 24));
  return { width, height, data, pts: 0, seq, readAt: performance.now() };
}
