import type { Frame } from '../../core/frame.ts';
import { type Logger, silentLogger } from '../../core/log.ts';
import { RateMeter, RollingWindow, round2, summarize } from '../../core/stats.ts';
import { planTiles } from '../../inference/stylizer/tiling.ts';
import type { StylizeJob, StylizeResult } from '../../inference/stylizer/worker-client.ts';
import type { StyleMixer } from './mixer.ts';
import { PaintingShelf, paintingKey } from './paintings.ts';
import {
  BackgroundPlate,
  dilateMax,
  gatherPlane,
  gatherRgba,
  nearestLut,
  type PlateCounts,
} from './plate.ts';

/**
 * The second clock. The frame path calls observe() and latest() (cheap, never waiting); the engine
 * decides when to stylize and runs at most one stylization at a time on the backend (the stylizer
 * worker), at its own rate. Targets:
 *  - 'background': stylize the background plate (refresh on style/strength change, morph steps, scene
 *    change, revealed background, and a low steady rate);
 *  - 'live': stylize the newest frame whenever the backend is free (style-person, style-frame).
 * After a style change the first stylization is a single padded tile (fast), then full detail follows.
 */

/** Shortest gap between repaints triggered only by background revealed as the person moves. */
export const REVEAL_GAP_MS = 750;

/**
 * Live targets (style-frame, style-person) paint full detail only while it keeps this many paintings
 * per second, else the single whole-frame painting. 20, not the 15 the product promises: full detail
 * measured just under 15 here (65 ms) flapped between the two and averaged 14.7/s.
 */
export const LIVE_MIN_FPS = 20;
/** The plate is folded in as this many bands of rows, one per frame (see updatePlate). */
const PLATE_BANDS = 4;
/** Full-detail plate paintings kept per style and strength, for switching back at once (~3.7 MB each at 720p). */
const RECENT_PAINTINGS = 6;
/** Shortest gap between the starts of two pre-paintings (each one single tile): a light, steady load. */
export const PREPAINT_GAP_MS = 400;
/** A preview older than this is painted again (the plate follows light and furniture slowly). */
export const PREVIEW_MAX_AGE_MS = 30_000;

/** busyChange while a pre-painting runs (no style change makes it worthless). */
const PREPAINTING = -2;

/** A style the engine may pre-paint: its own bottleneck, before strength. */
export interface PrepaintCandidate {
  name: string;
  bottleneck: Float32Array;
}

export interface StylizeBackend {
  stylize(
    rgba: Uint8Array,
    width: number,
    height: number,
    bottleneck: Float32Array,
    job?: StylizeJob,
  ): Promise<StylizeResult>;
  predict(rgba: Uint8Array, width: number, height: number): Promise<Float32Array>;
  /** Abandon stylizations in progress (a style change made them worthless). */
  cancelStylizations?(): void;
}

export interface StyledImage {
  rgba: Uint8Array;
  width: number;
  height: number;
  /** The mixer's change count this image was made with. */
  change: number;
  single: boolean;
  doneAt: number;
  /** A recent painting of this style shown again at once (not painted after the command). */
  recent?: boolean;
  /** A quick painting made before the command, while the engine was idle (see EngineOptions.prepaint). */
  prepainted?: boolean;
}

export interface EngineOptions {
  target: 'background' | 'live';
  /** 384 tiles across the short side. */
  detail: number;
  /** Upper bound on stylizations per second (style changes and morphs are not held back). */
  refreshFps: number;
  /** Steady refresh of an unchanged plate (follows slow light changes). */
  steadyMs?: number;
  /** How often the content bottleneck is re-predicted while strength < 1. */
  contentMs?: number;
  /** Full passes over the plate per second (each a few bands of rows, one per frame, on the main thread). */
  plateFps?: number;
  /**
   * Deliver results at the camera frame's size, resized in the stylizer's worker into shared memory:
   * the compositor then copies background pixels 32 bits at a time instead of stretching the work-size
   * image on every frame (style-frame: the output is the stylized image itself).
   */
  fullSize?: boolean;
  /** Person dilation on the mask grid before the plate takes background pixels. */
  dilateGrid?: number;
  /**
   * Background target: keep quick single-tile paintings of the current plate in this many other styles,
   * painted one at a time while nothing else is due, so switching to one of them shows at once and
   * full detail follows (0 = off).
   */
  prepaint?: number;
  /** The styles to pre-paint, most likely next first (the current one is skipped). */
  prepaintCandidates?: () => PrepaintCandidate[];
  log?: Logger;
  now?: () => number;
}

export interface MaskGrid {
  alpha: Float32Array;
  width: number;
  height: number;
}

export class StyleEngine {
  private plate: BackgroundPlate | undefined;
  private plateFrame: Uint8Array | undefined;
  private plateAlpha: Float32Array | undefined;
  private frameLut: { key: string; lut: Int32Array } | undefined;
  private gridLut: { key: string; lut: Int32Array } | undefined;
  private newest: Frame | undefined;
  private frameSize: { width: number; height: number } | undefined;
  private result: StyledImage | undefined;
  private busy = false;
  private busyChange = -1;
  private job: Promise<void> = Promise.resolve();
  private lastStart = Number.NEGATIVE_INFINITY;
  private lastPlateAt = Number.NEGATIVE_INFINITY;
  private lastContentAt = Number.NEGATIVE_INFINITY;
  private contentBusy = false;
  private revealedSince = 0;
  private plateBand = 0;
  /** Recent full-detail plate paintings by style and strength. */
  private readonly recent = new PaintingShelf(RECENT_PAINTINGS);
  /** Quick pre-painted previews by style and strength. */
  private readonly previews: PaintingShelf;
  private lastPrepaintAt = Number.NEGATIVE_INFINITY;
  private plateCounts: PlateCounts = { background: 0, changed: 0, driftSum: 0, sampled: 0 };
  private sceneChanged = false;
  private wasMorphing = false;
  private disposed = false;
  /** Failed stylizations in a row, and the timer that retries after them (backoff, never a hot loop). */
  private failedInRow = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly timing = { stylize: new RollingWindow(), plate: new RollingWindow() };
  private readonly refreshes = new RateMeter(3000);
  private readonly counts = {
    stylized: 0,
    single: 0,
    sceneChanges: 0,
    failures: 0,
    recentHits: 0,
    prepainted: 0,
    previewHits: 0,
  };
  /** Recent full-detail job time (ms, EMA), for the live target's quality choice. */
  private fullMs: number | undefined;
  private liveJobs = 0;

  constructor(
    private readonly backend: StylizeBackend,
    private readonly mixer: StyleMixer,
    private options: EngineOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.log = options.log ?? silentLogger();
    this.previews = new PaintingShelf(Math.max(1, options.prepaint ?? 0));
  }

  setOptions(options: Partial<EngineOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** The newest stylized image (undefined until the first one is done). */
  latest(): StyledImage | undefined {
    return this.result;
  }

  /** A style or strength changed: drop a stale stylization in progress and start a fresh one now. */
  poke(): void {
    // A pre-painting (one quick painting) is left to finish: it may be the very style just asked for.
    if (this.busy && this.busyChange !== PREPAINTING && this.busyChange !== this.mixer.changeCount)
      this.backend.cancelStylizations?.();
    this.showKeptPainting(this.now());
    this.kick(this.now());
  }

  /**
   * Switching to a style painted recently in this scene (full detail) or pre-painted (a quick preview):
   * that painting shows from the next frame, and a full-detail repaint follows (marked `single` so kick
   * treats it as a placeholder).
   */
  private showKeptPainting(now: number): void {
    if (this.options.target !== 'background' || this.mixer.isMorphing(now)) return;
    const key = this.paintingKey();
    const size = this.frameSize;
    if (key === undefined || !size) return;
    const scene = this.counts.sceneChanges;
    const recent = this.recent.fresh(key, scene, now);
    if (recent && recent.width === size.width && recent.height === size.height) {
      this.result = { ...recent, change: this.mixer.changeCount, single: true, doneAt: now, recent: true };
      this.counts.recentHits++;
      return;
    }
    const preview = this.previews.fresh(key, scene, now, PREVIEW_MAX_AGE_MS);
    if (!preview) return;
    this.result = { ...preview, change: this.mixer.changeCount, single: true, doneAt: now, prepainted: true };
    this.counts.previewHits++;
  }

  private paintingKey(): string | undefined {
    const style = this.mixer.style;
    return style === undefined ? undefined : paintingKey(style, this.mixer.strength);
  }

  private remember(image: StyledImage): void {
    const key = this.paintingKey();
    if (key === undefined) return;
    const painting = { ...image, recent: undefined, prepainted: undefined };
    this.recent.put(key, { image: painting, scene: this.counts.sceneChanges, paintedAt: image.doneAt });
  }

  /** Frame path: note the frame (and, for the plate, its mask), maybe start a stylization. Never waits. */
  observe(frame: Frame, mask?: MaskGrid): void {
    const now = this.now();
    this.frameSize = { width: frame.width, height: frame.height };
    if (this.options.target === 'background' && mask) this.updatePlate(frame, mask, now);
    else this.newest = frame;
    this.kick(now);
  }

  /**
   * Folds the frame into the plate one band of rows per call (PLATE_BANDS calls cover it), so no frame
   * pays for the whole plate on the main thread; a new or restarted plate is filled whole at once. A
   * scene change is judged once the bands have covered the plate.
   */
  private updatePlate(frame: Frame, mask: MaskGrid, now: number): void {
    const plateFps = this.options.plateFps ?? 6;
    if (this.plate && now - this.lastPlateAt < 1000 / (plateFps * PLATE_BANDS)) return;
    const t0 = performance.now();
    this.lastPlateAt = now;
    const plan = planTiles(frame.width, frame.height, this.options.detail);
    if (!this.plate || this.plate.width !== plan.workWidth || this.plate.height !== plan.workHeight) {
      this.plate = new BackgroundPlate(plan.workWidth, plan.workHeight);
      this.plateFrame = new Uint8Array(plan.workWidth * plan.workHeight * 4);
      this.plateAlpha = new Float32Array(plan.workWidth * plan.workHeight);
      this.result = undefined;
    }
    const plate = this.plate;
    const { width, height } = plate;
    const frameKey = `${frame.width}x${frame.height}>${width}x${height}`;
    if (this.frameLut?.key !== frameKey)
      this.frameLut = { key: frameKey, lut: nearestLut(frame.width, frame.height, width, height) };
    const gridKey = `${mask.width}x${mask.height}>${width}x${height}`;
    if (this.gridLut?.key !== gridKey)
      this.gridLut = { key: gridKey, lut: nearestLut(mask.width, mask.height, width, height) };
    const whole = plate.coverage === 0;
    const band = whole ? 0 : this.plateBand;
    const start = Math.floor((band * height) / PLATE_BANDS) * width;
    const end = whole ? width * height : Math.floor(((band + 1) * height) / PLATE_BANDS) * width;
    const small = gatherRgba(frame.data, this.frameLut.lut, this.plateFrame as Uint8Array, start, end);
    const gridLut = this.gridLut.lut;
    const gridRows = [Math.floor(gridLut[start] / mask.width), Math.floor(gridLut[end - 1] / mask.width) + 1];
    const grown = dilateMax(mask.alpha, mask.width, mask.height, this.options.dilateGrid ?? 3, ...gridRows);
    const alpha = gatherPlane(grown, gridLut, this.plateAlpha as Float32Array, start, end);
    const counts = plate.measure(small, alpha, start, end);
    for (const key of ['background', 'changed', 'driftSum', 'sampled'] as const)
      this.plateCounts[key] += counts[key];
    this.revealedSince += plate.fold(small, alpha, start, end);
    this.plateBand = whole ? 0 : (band + 1) % PLATE_BANDS;
    if (whole || this.plateBand === 0) {
      if (!whole && plate.isSceneChange(this.plateCounts)) {
        plate.reset(); // refilled whole by the next call
        this.sceneChanged = true;
        this.counts.sceneChanges++;
        this.lastContentAt = Number.NEGATIVE_INFINITY;
      }
      this.plateCounts = { background: 0, changed: 0, driftSum: 0, sampled: 0 };
    }
    this.timing.plate.push(performance.now() - t0);
  }

  /** Starts a stylization when one is due and the backend is free (and not backing off after failures). */
  private kick(now: number): void {
    if (this.busy || this.disposed) return;
    if (this.failedInRow > 0 && now - this.lastStart < retryDelayMs(this.failedInRow)) return;
    const bottleneck = this.mixer.bottleneckAt(now);
    if (!bottleneck) return;
    if (this.options.target === 'background' ? !this.plate?.coverage : !this.newest) return;
    const change = this.mixer.changeCount;
    const morphing = this.mixer.isMorphing(now);
    const morphJustEnded = this.wasMorphing && !morphing;
    let single = false;
    let due = false;
    if (!this.result || this.result.change !== change) {
      due = true; // a new style or strength: as fast as possible
      single = true;
    } else if (morphing) {
      due = true;
      single = true;
    } else if (morphJustEnded || this.result.single) {
      due = true;
    } else {
      const minGap = 1000 / this.options.refreshFps;
      if (now - this.lastStart < minGap) return;
      // Revealed background mostly sits beside the person, where the filled plate already looks right:
      // repaint for it at most every REVEAL_GAP_MS, so a moving person does not keep the CPU busy.
      const sinceLast = now - this.lastStart;
      due =
        this.options.target === 'live' ||
        this.sceneChanged ||
        (this.revealedSince > 0.005 && sinceLast >= REVEAL_GAP_MS) ||
        sinceLast >= (this.options.steadyMs ?? 2000);
    }
    if (!due) {
      this.maybePrepaint(now);
      return;
    }
    if (this.options.target === 'live' && !single) single = this.liveWantsSingle();
    const source = this.source();
    if (!source) return;
    this.maybePredictContent(now, source);
    this.wasMorphing = morphing;
    this.sceneChanged = false;
    this.revealedSince = 0;
    this.start(source, bottleneck, change, single, now);
  }

  /**
   * Live targets paint every frame they can: when full detail cannot keep LIVE_MIN_FPS, use the single
   * padded tile (half the work for 16:9) and look at full detail again every 30 jobs.
   */
  private liveWantsSingle(): boolean {
    this.liveJobs++;
    if (this.fullMs === undefined || this.liveJobs % 30 === 0) return false;
    return this.fullMs > 1000 / LIVE_MIN_FPS;
  }

  /**
   * Idle time, background target: paint a quick single tile of the plate in the next likely style that
   * has no fresh preview (at most one every PREPAINT_GAP_MS). Only once the current style shows at full
   * detail and no morph runs, so pre-painting never delays what is on screen.
   */
  private maybePrepaint(now: number): void {
    const count = this.options.prepaint ?? 0;
    if (count <= 0 || this.options.target !== 'background' || !this.options.prepaintCandidates) return;
    if (!this.result || this.result.single || this.mixer.isMorphing(now)) return;
    if (now - this.lastPrepaintAt < PREPAINT_GAP_MS || now - this.lastStart < PREPAINT_GAP_MS) return;
    const scene = this.counts.sceneChanges;
    const strength = this.mixer.strength;
    const next = this.options
      .prepaintCandidates()
      .filter((c) => c.name !== this.mixer.style)
      .slice(0, count)
      .find((c) => !this.previews.fresh(paintingKey(c.name, strength), scene, now, PREVIEW_MAX_AGE_MS));
    const source = next && this.source();
    if (!next || !source) return;
    this.lastPrepaintAt = now;
    this.busy = true;
    this.busyChange = PREPAINTING;
    const key = paintingKey(next.name, strength);
    this.job = this.backend
      .stylize(source.rgba, source.width, source.height, this.mixer.blendFor(next.bottleneck), {
        single: true,
      })
      .then((out) => {
        if (this.disposed) return;
        const { rgba, width, height } = out;
        const image: StyledImage = { rgba, width, height, change: -1, single: true, doneAt: this.now() };
        this.previews.put(key, { image, scene, paintedAt: image.doneAt });
        this.counts.prepainted++;
        // The streamer switched to this very style while it was being painted: show it now.
        const waiting = this.result && this.result.change !== this.mixer.changeCount;
        if (waiting && this.paintingKey() === key && scene === this.counts.sceneChanges)
          this.showKeptPainting(this.now());
      })
      .catch((error: Error & { cancelled?: boolean }) => {
        if (!error.cancelled) this.noteFailure(`pre-painting '${next.name}'`, error);
      })
      .finally(() => {
        this.busy = false;
        if (!this.disposed) this.kick(this.now());
      });
  }

  private source(): { rgba: Uint8Array; width: number; height: number } | undefined {
    if (this.options.target === 'background') {
      if (!this.plate || this.plate.coverage === 0) return undefined;
      return { rgba: this.plate.snapshot(), width: this.plate.width, height: this.plate.height };
    }
    const frame = this.newest;
    return frame ? { rgba: frame.data, width: frame.width, height: frame.height } : undefined;
  }

  private start(
    source: { rgba: Uint8Array; width: number; height: number },
    bottleneck: Float32Array,
    change: number,
    single: boolean,
    now: number,
  ): void {
    this.busy = true;
    this.busyChange = change;
    this.lastStart = now;
    const started = performance.now();
    const morphing = this.mixer.isMorphing(now);
    // Morph steps and the quick tile after a switch come at frame size too: the resize (~6 ms at 720p in
    // the worker) is cheaper than the compositor stretching a work-size painting on every frame (morphs
    // 720p: composite p50 13.9 ms stretched). Only pre-painted previews stay small (kept, rarely shown).
    const frameSized = this.options.fullSize === true;
    this.job = this.backend
      .stylize(source.rgba, source.width, source.height, bottleneck, {
        detail: this.options.detail,
        single,
        outWidth: frameSized ? (this.frameSize?.width ?? source.width) : 0,
        outHeight: frameSized ? (this.frameSize?.height ?? source.height) : 0,
      })
      .then((out) => {
        if (this.disposed) return;
        // A painting of an older style that finished after the switch already shows the new one (a
        // kept painting): drop it, or the old style would flash back for a moment.
        const current = this.mixer.changeCount;
        if (change !== current && this.result?.change === current) return;
        this.result = {
          rgba: out.rgba,
          width: out.width,
          height: out.height,
          change,
          single,
          doneAt: this.now(),
        };
        this.counts.stylized++;
        if (single) this.counts.single++;
        else if (this.options.target === 'background' && !morphing && change === this.mixer.changeCount)
          this.remember(this.result);
        this.refreshes.mark();
        const ms = performance.now() - started;
        this.timing.stylize.push(ms);
        if (!single) this.fullMs = this.fullMs === undefined ? ms : this.fullMs * 0.7 + ms * 0.3;
        this.failedInRow = 0;
      })
      .catch((error: Error & { cancelled?: boolean }) => {
        if (error.cancelled) return;
        this.failedInRow++;
        this.noteFailure('stylization', error);
      })
      .finally(() => {
        this.busy = false;
        if (this.disposed) return;
        // Chain the next one straight away when it is due (morphs, follow-ups), not at the next frame.
        // After a failure, back off: a backend that rejects at once (its worker gone) would otherwise
        // spin this chain in microtasks and freeze the event loop, and with it the stream.
        if (this.failedInRow === 0) this.kick(this.now());
        else
          this.retryTimer = setTimeout(() => this.kick(this.now()), retryDelayMs(this.failedInRow)).unref();
      });
  }

  /** Counts a failed painting; logs the first three and then every hundredth (a dead worker fails them all). */
  private noteFailure(what: string, error: Error): void {
    this.counts.failures++;
    if (this.counts.failures <= 3 || this.counts.failures % 100 === 0)
      this.log.warn(`${what} failed (${this.counts.failures}x): ${error.message}`);
  }

  /** Resolves when no stylization is running (offline rendering and measurements step with it). */
  async idle(): Promise<void> {
    while (this.busy) await this.job;
  }

  /** Strength < 1 blends with the content's own bottleneck: refresh it now and then, and on scene change. */
  private maybePredictContent(
    now: number,
    source: { rgba: Uint8Array; width: number; height: number },
  ): void {
    if (this.mixer.strength >= 1 || this.contentBusy) return;
    if (now - this.lastContentAt < (this.options.contentMs ?? 5000)) return;
    this.contentBusy = true;
    this.lastContentAt = now;
    this.backend
      .predict(source.rgba, source.width, source.height)
      .then((vector) => {
        if (!this.disposed) this.mixer.setContent(vector);
      })
      .catch((error: Error) => this.log.warn(`content bottleneck failed: ${error.message}`))
      .finally(() => {
        this.contentBusy = false;
      });
  }

  stats(): Record<string, number> {
    const s = summarize(this.timing.stylize);
    const p = summarize(this.timing.plate);
    return {
      styleRefreshPerS: round2(this.refreshes.rate()),
      stylizeMsP50: s.p50,
      stylizeMsP95: s.p95,
      plateMsP50: p.p50,
      plateMsP95: p.p95,
      plateCoverage: round2(this.plate?.coverage ?? 0),
      stylized: this.counts.stylized,
      sceneChanges: this.counts.sceneChanges,
      stylizeFailures: this.counts.failures,
      recentPaintingsShown: this.counts.recentHits,
      prepainted: this.counts.prepainted,
      previewsShown: this.counts.previewHits,
    };
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
  }
}

/** 100 ms after the first failure, doubling to 5 s. */
const retryDelayMs = (failedInRow: number): number => Math.min(5000, 100 * 2 ** (failedInRow - 1));
