import type { StyledImage } from './engine.ts';

/**
 * Paintings of the current scene kept per style and strength, so a switch can show one at once:
 * the engine keeps its recent full-detail plates on one shelf and quick pre-painted previews of the
 * styles a streamer is likely to pick next on another. Map order is recency order; the oldest go
 * first when the shelf is full. A painting from before the last scene change is never shown.
 */

export interface ShelvedPainting {
  image: StyledImage;
  /** The engine's scene-change count when it was painted. */
  scene: number;
  paintedAt: number;
}

export const paintingKey = (style: string, strength: number): string => `${style}|${strength.toFixed(3)}`;

export class PaintingShelf {
  private readonly items = new Map<string, ShelvedPainting>();

  constructor(private readonly capacity: number) {}

  put(key: string, painting: ShelvedPainting): void {
    this.items.delete(key);
    this.items.set(key, painting);
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as string);
  }

  /** The painting for `key` if it shows this scene and is younger than `maxAgeMs`. */
  fresh(
    key: string,
    scene: number,
    now: number,
    maxAgeMs = Number.POSITIVE_INFINITY,
  ): StyledImage | undefined {
    const item = this.items.get(key);
    if (!item || item.scene !== scene || now - item.paintedAt > maxAgeMs) return undefined;
    return item.image;
  }

  get size(): number {
    return this.items.size;
  }
}
