import { existsSync } from 'node:fs';
import type { Config, EffectName } from '../../config/schema.ts';
import { type CommandBus, CommandError } from '../../control/commands.ts';
import { defaultCacheDir } from '../../core/env.ts';
import { describeError, isStylecastError } from '../../core/errors.ts';
import { SafeEmitter } from '../../core/lifecycle.ts';
import { type Logger, silentLogger } from '../../core/log.ts';
import { findStyleModels, loadStyleModelBytes, type StyleVariant } from '../../inference/stylizer/models.ts';
import { StylizerWorker } from '../../inference/stylizer/worker-client.ts';
import { liveSessionThreads, soloSessionThreads } from '../../inference/threads.ts';
import { readStyleImage } from './image.ts';
import { defaultStylesFolder, type StyleEntry, StyleLibrary } from './library.ts';
import { StyleMixer } from './mixer.ts';
import { isStyleFile, styleNameFromFile } from './names.ts';
import { unknownStyleError } from './resolve.ts';

/**
 * Everything the style effects share across effect switches: the stylizer worker (both models), the
 * style library, the mixer (current style, strength, morph) and the commands that drive them. One per
 * daemon; effects get it through EffectContext.style (or build a private one, e.g. in `render`).
 * Events: 'opened' () once the models and library are up (service.ready); 'changed'
 * ({ style, strength, morphMs, at }) after every style/strength change.
 */

export const STYLE_EFFECTS: readonly EffectName[] = ['style-background', 'style-person', 'style-frame'];
export const isStyleEffect = (name: string): boolean => (STYLE_EFFECTS as readonly string[]).includes(name);

export interface StyleState {
  style: string | undefined;
  strength: number;
  morphing: boolean;
  variant: string | undefined;
  styles: string[];
}

export class StyleService extends SafeEmitter {
  readonly mixer: StyleMixer;
  private worker: StylizerWorker | undefined;
  private libraryInstance: StyleLibrary | undefined;
  private opening: Promise<void> | undefined;
  private variant: StyleVariant | undefined;
  private readonly log: Logger;
  private modelTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** performance.now() of the latest style/strength change (for command-to-frame latency). */
  lastChangeAt = 0;
  /** Styles shown, most recent first (pre-painting favours the ones a streamer goes back to). */
  private readonly shown: string[] = [];

  /**
   * `strictStyle`: a style.name that is neither a style nor an image file fails open() (UNKNOWN_STYLE)
   * instead of warning and painting the first style: an offline render must paint what was asked.
   */
  constructor(
    private config: Config,
    log?: Logger,
    private readonly options: { strictStyle?: boolean } = {},
  ) {
    super((error, event) =>
      this.log.error(`style listener for '${String(event)}' failed: ${describeError(error)}`),
    );
    this.log = log ?? silentLogger();
    this.mixer = new StyleMixer(config.style.strength);
  }

  get ready(): boolean {
    return this.worker !== undefined && this.libraryInstance !== undefined;
  }

  get backend(): StylizerWorker {
    if (!this.worker) throw new Error('style service not opened');
    return this.worker;
  }

  get library(): StyleLibrary {
    if (!this.libraryInstance) throw new Error('style service not opened');
    return this.libraryInstance;
  }

  /** Loads the models, starts the worker and the library (once). Throws MODEL_NOT_FOUND when absent. */
  open(): Promise<void> {
    this.opening ??= this.doOpen().catch((error) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    const { style, inference } = this.config;
    const cacheDir = defaultCacheDir();
    const bytes = await loadStyleModelBytes(style.variant, { modelsDir: inference.modelsDir, log: this.log });
    const worker = await StylizerWorker.start(bytes, {
      threads: liveSessionThreads(inference.threads),
      device: inference.device,
    });
    const library = new StyleLibrary({
      folder: style.folder ?? defaultStylesFolder(),
      cacheDir,
      predictor: { predict: (rgba, w, h) => worker.predict(rgba, w, h), modelHash: bytes.predictHash },
      log: this.log,
    });
    try {
      await library.start();
    } catch (error) {
      await worker.stop();
      throw error;
    }
    if (this.disposed) {
      await Promise.all([library.stop(), worker.stop()]);
      return;
    }
    this.worker = worker;
    this.libraryInstance = library;
    this.variant = bytes.variant;
    this.log.info(
      `styles: ${library.size} in ${library.folder}; transform ${bytes.variant} on ${worker.provider}${worker.lowPriority ? ' (below the frame path’s priority)' : ''}`,
    );
    library.on('removed', (name: string) => {
      if (name === this.mixer.style)
        this.log.warn(`style '${name}' was removed; it stays on screen until you switch`);
    });
    // The painting on screen was edited or replaced in the folder: show the new version now.
    library.on('added', (entry: StyleEntry) => {
      if (entry.name === this.mixer.style) this.apply(entry, 0);
    });
    const first =
      (style.name && ((await this.imageStyle(style.name)) ?? library.get(style.name))) || library.list()[0];
    if (style.name && first?.name !== style.name && first?.file !== style.name) {
      if (this.options.strictStyle) throw unknownStyleError(style.name, library.folder, library.names());
      // Live: the show goes on in another style; the warning says which.
      this.log.warn(`style '${style.name}' not found in ${library.folder}; using '${first?.name ?? 'none'}'`);
    }
    this.safeEmit('opened');
    if (first) this.apply(first, 0);
    else
      library.once('added', (entry: StyleEntry) => {
        if (!this.mixer.style) this.apply(entry, 0);
      });
  }

  /**
   * Threads for the transform, per effect: style-frame has the cores to itself (no segmentation model),
   * the others share them with segmentation and compositing.
   */
  async tuneFor(effect: string): Promise<void> {
    const configured = this.config.inference.threads;
    const threads =
      effect === 'style-frame' ? soloSessionThreads(configured) : liveSessionThreads(configured);
    // A failed reopen keeps the session that runs: slower for this effect, never no effect at all.
    await this.backend.setTransformThreads(threads).catch((error) => {
      this.log.warn(
        `style transform stays on its current threads (reopen with ${threads} failed: ${describeError(error)})`,
      );
    });
  }

  /** `--style painting.jpg`: an image file outside the library, used as given. */
  private async imageStyle(path: string): Promise<StyleEntry | undefined> {
    if (this.libraryInstance?.get(path) || !isStyleFile(path) || !existsSync(path)) return undefined;
    try {
      const image = await readStyleImage(path);
      const bottleneck = await this.backend.predict(image.rgba, image.width, image.height);
      return {
        name: styleNameFromFile(path),
        file: path,
        sha256: image.sha256,
        bottleneck,
        thumbnail: Buffer.alloc(0),
      };
    } catch (error) {
      this.log.warn(`style image ${path} skipped: ${describeError(error)}`);
      return undefined;
    }
  }

  private apply(entry: StyleEntry, morphMs: number): void {
    const now = performance.now();
    this.mixer.setStyle(entry.name, entry.bottleneck, now, morphMs);
    this.lastChangeAt = now;
    const at = this.shown.indexOf(entry.name);
    if (at >= 0) this.shown.splice(at, 1);
    this.shown.unshift(entry.name);
    this.shown.length = Math.min(this.shown.length, 64);
    this.safeEmit('changed', { style: entry.name, strength: this.mixer.strength, morphMs, at: now });
  }

  private entry(name: string): StyleEntry {
    const entry = this.library.get(name);
    if (!entry)
      throw new CommandError(
        'unknown_style',
        `unknown style '${name}' (known: ${this.library.names().slice(0, 20).join(', ') || 'none'})`,
      );
    return entry;
  }

  private async opened(): Promise<void> {
    try {
      await this.open();
    } catch (error) {
      throw new CommandError('unavailable', describeError(error));
    }
  }

  async setStyle(name: string, morphMs = 0): Promise<StyleState> {
    await this.opened();
    this.apply(this.entry(name), morphMs);
    return this.state();
  }

  async step(step: 1 | -1, morphMs = 0): Promise<StyleState> {
    await this.opened();
    const entry = this.library.neighbour(this.mixer.style, step);
    if (!entry)
      throw new CommandError(
        'unknown_style',
        `no styles in ${this.library.folder} (\`stylecast styles pull\` adds starter paintings)`,
      );
    this.apply(entry, morphMs);
    return this.state();
  }

  setStrength(value: number): StyleState {
    this.mixer.setStrength(value);
    const now = performance.now();
    this.lastChangeAt = now;
    this.safeEmit('changed', { style: this.mixer.style, strength: this.mixer.strength, morphMs: 0, at: now });
    return this.state();
  }

  state(): StyleState {
    return {
      style: this.mixer.style,
      strength: this.mixer.strength,
      morphing: this.mixer.isMorphing(performance.now()),
      variant: this.variant,
      styles: this.libraryInstance?.names() ?? [],
    };
  }

  /**
   * The styles a streamer is likely to pick next, for pre-painting: the ones shown before, most recent
   * first (Stream Deck buttons a streamer goes back to), then outward from the current one in library
   * order (next, previous, the one after next, ...), as next/previous buttons go.
   */
  prepaintCandidates(): { name: string; bottleneck: Float32Array }[] {
    const library = this.libraryInstance;
    if (!library) return [];
    const list = library.list();
    const neighbours = outwardFrom(
      list,
      list.findIndex((e) => e.name === this.mixer.style),
    );
    const before = this.shown.flatMap((name) => library.get(name) ?? []);
    return [...new Set([...before, ...neighbours])].filter((e) => e.name !== this.mixer.style);
  }

  /** Styles for a control panel ([] until the service is open). */
  list(): { name: string; file: string }[] {
    return this.libraryInstance?.list().map((e) => ({ name: e.name, file: e.file })) ?? [];
  }

  /** A style's 160x160 JPEG thumbnail, or undefined (unknown style, or the service not open). */
  thumbnail(name: string): Buffer | undefined {
    return this.libraryInstance?.get(name)?.thumbnail;
  }

  /** The style commands on the daemon's bus; returns a function that removes them. */
  registerCommands(bus: CommandBus): () => void {
    const off = [
      bus.handle('style', (c) => this.setStyle(c.name, c.morphMs ?? 0)),
      bus.handle('next-style', (c) => this.step(1, c.morphMs ?? 0)),
      bus.handle('previous-style', (c) => this.step(-1, c.morphMs ?? 0)),
      bus.handle('strength', (c) => this.setStrength(c.value)),
      bus.handle('morph', (c) => this.setStyle(c.name, c.durationMs)),
    ];
    return () => {
      for (const f of off) f();
    };
  }

  /**
   * The fallback's way back: when a style effect was asked but another runs (models missing), look for
   * the models every `everyMs` and call `switchTo` once they are there.
   */
  watchForModels(
    asked: string,
    running: string,
    switchTo: (name: EffectName) => Promise<unknown>,
    everyMs = 2000,
  ) {
    if (!isStyleEffect(asked) || asked === running || this.modelTimer) return;
    this.modelTimer = setInterval(() => {
      if (!findStyleModels(this.config.style.variant, { modelsDir: this.config.inference.modelsDir })) return;
      clearInterval(this.modelTimer);
      this.modelTimer = undefined;
      this.log.info(`style models found: switching to '${asked}'`);
      switchTo(asked as EffectName).catch((error) => {
        this.log.warn(`switch to '${asked}' failed: ${describeError(error)}`);
      });
    }, everyMs);
    this.modelTimer.unref();
  }

  update(config: Config): void {
    this.config = config;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.modelTimer);
    await this.opening?.catch(() => {});
    await Promise.allSettled([this.libraryInstance?.stop(), this.worker?.stop()]);
  }
}

/** The other items ordered outward from index `at` (next, previous, after next, ...), wrapping; all when at < 0. */
export function outwardFrom<T>(items: readonly T[], at: number): T[] {
  const n = items.length;
  if (at < 0) return [...items];
  const out: T[] = [];
  for (let d = 1; out.length < n - 1; d++) {
    out.push(items[(at + d) % n]);
    if (out.length < n - 1) out.push(items[(((at - d) % n) + n) % n]);
  }
  return out;
}

export const isModelMissing = (error: unknown): boolean =>
  isStylecastError(error) && error.key === 'MODEL_NOT_FOUND';
