import type { Frame } from '../../core/frame.ts';
import { isShared, sharedUint8 } from '../../core/shared-memory.ts';
import type { ImagePlane, Layer } from './kernels.ts';

/**
 * Pixels in shared memory for the pool jobs. Captured frames already are (capture's buffer pool); any
 * other frame is copied in once, so the masker's and the compositor's jobs for it share that copy.
 * Images (a replacement background, a style plate) are copied once per distinct buffer and reused.
 */
export class SharedPixels {
  private frameSlot: Uint8Array | undefined;
  /** The frame last copied in: its buffer alone does not say (capture reuses buffers for later frames). */
  private loadedFrom: Frame | undefined;
  private images = new WeakMap<Uint8Array, Uint8Array>();

  /** The frame's pixels in shared memory (copied unless they are shared or this frame is already loaded). */
  frame(frame: Frame): Uint8Array {
    if (isShared(frame.data)) return frame.data;
    const last = this.loadedFrom;
    if (last?.data === frame.data && last.seq === frame.seq && last.readAt === frame.readAt && this.frameSlot)
      return this.frameSlot;
    if (this.frameSlot?.length !== frame.data.length) this.frameSlot = sharedUint8(frame.data.length);
    this.frameSlot.set(frame.data);
    this.loadedFrom = frame;
    return this.frameSlot;
  }

  image(plane: ImagePlane): ImagePlane {
    if (plane.data.buffer instanceof SharedArrayBuffer) return plane;
    let shared = this.images.get(plane.data);
    if (!shared) {
      shared = sharedUint8(plane.data.length);
      shared.set(plane.data);
      this.images.set(plane.data, shared);
    }
    return { data: shared, width: plane.width, height: plane.height };
  }

  layer(layer: Layer): Layer {
    return layer.kind === 'image' ? { kind: 'image', ...this.image(layer) } : layer;
  }
}
