import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { defaultConfigDir, ENV } from '../../core/env.ts';
import { describeError, StylecastError } from '../../core/errors.ts';
import { makeFolder } from '../../core/folders.ts';
import { SafeEmitter } from '../../core/lifecycle.ts';
import { type Logger, silentLogger } from '../../core/log.ts';
import { readStyleImage } from './image.ts';
import { isLibraryFile, styleKey, styleNameFromFile } from './names.ts';

/**
 * The style library: a folder of paintings. Each file becomes a named style whose bottleneck is predicted
 * once and cached on disk (key: image sha256 + predict-model sha256), with a thumbnail for the control
 * panel. The folder is watched: files added, changed or removed show up without a restart. A bad file
 * (corrupt, empty, not an image, gigantic) is reported once per version of the file and skipped.
 * Events: 'added' (StyleEntry), 'removed' (name), 'rejected' ({ file, reason }), 'changed' ().
 */

export interface StylePredictor {
  predict(rgba: Uint8Array, width: number, height: number): Promise<Float32Array>;
  /** sha256 of the predict model: a new model invalidates every cached bottleneck. */
  readonly modelHash: string;
}

export interface StyleEntry {
  name: string;
  file: string;
  sha256: string;
  bottleneck: Float32Array;
  /** A small square JPEG for the control panel. */
  thumbnail: Buffer;
}

export interface StyleLibraryOptions {
  folder: string;
  /** Bottlenecks and thumbnails are cached under <cacheDir>/styles. */
  cacheDir: string;
  predictor: StylePredictor;
  log?: Logger;
  watch?: boolean;
  /** Quiet time after the last folder event before a rescan (files are often written in pieces). */
  debounceMs?: number;
}

/** The per-user styles folder used when neither config style.folder nor STYLECAST_STYLES is set. */
export const defaultStylesFolder = (env: NodeJS.ProcessEnv = process.env): string =>
  env[ENV.styles] ?? join(defaultConfigDir(env), 'styles');

export const THUMBNAIL_SIZE = 160;
/** A file modified this recently may still be being written. */
const SETTLE_MS = 300;

interface Known {
  signature: string;
  name: string;
}

export class StyleLibrary extends SafeEmitter {
  private readonly entries = new Map<string, StyleEntry>();
  private readonly known = new Map<string, Known>();
  private readonly rejected = new Map<string, string>();
  /** Files already reported bad: a file is reported once until it is removed or becomes good. */
  private readonly reported = new Set<string>();
  private readonly log: Logger;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;
  private started = false;

  constructor(private readonly options: StyleLibraryOptions) {
    super((error, event) =>
      this.log.error(`style library listener for '${String(event)}' failed: ${describeError(error)}`),
    );
    this.log = options.log ?? silentLogger();
  }

  get folder(): string {
    return this.options.folder;
  }

  async start(): Promise<void> {
    makeFolder(this.options.folder, {
      purpose: 'for the styles',
      hint: 'set style.folder or STYLECAST_STYLES to a folder of JPEG/PNG/WebP paintings',
    });
    await this.rescan();
    this.started = true;
    if (this.options.watch ?? true) {
      this.watcher = watch(this.options.folder, () => this.scheduleRescan());
      this.watcher.on('error', (error) => this.log.warn(`styles folder watch failed: ${error.message}`));
    }
    if (this.entries.size === 0)
      this.log.warn(
        `no styles in ${this.options.folder}: run \`stylecast styles pull\` for starter paintings, or drop JPEG, PNG or WebP paintings there`,
      );
  }

  /** Styles sorted by name. */
  list(): StyleEntry[] {
    return [...this.entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  names(): string[] {
    return this.list().map((e) => e.name);
  }

  /** By name, or by the name as typed (`Starry Night`, `STARRY_NIGHT`: the file-naming rule applied). */
  get(name: string): StyleEntry | undefined {
    return this.entries.get(name) ?? this.entries.get(styleKey(name));
  }

  get size(): number {
    return this.entries.size;
  }

  /** The style after (or before, with step -1) `name`, wrapping around. */
  neighbour(name: string | undefined, step: 1 | -1): StyleEntry | undefined {
    const list = this.list();
    if (list.length === 0) return undefined;
    if (!name) return step === 1 ? list[0] : list[list.length - 1];
    const index = list.findIndex((e) => e.name === name);
    if (index >= 0) return list[(index + step + list.length) % list.length];
    // The style on screen was removed from the folder: go on from where it stood, not from the start.
    const found = list.findIndex((e) => e.name.localeCompare(name) > 0);
    const after = found < 0 ? list.length : found; // where it would stand
    return step === 1 ? list[after % list.length] : list[(after - 1 + list.length) % list.length];
  }

  private scheduleRescan(delayMs = this.options.debounceMs ?? 150): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.rescan(true).catch((error) => this.log.warn(`styles rescan failed: ${describeError(error)}`));
    }, delayMs);
  }

  /**
   * Reads the folder again; serialised, so overlapping folder events never race. `settle`: leave files
   * modified in the last moments for a later scan (a copy in progress triggers many folder events).
   */
  rescan(settle = false): Promise<void> {
    this.scanning = this.scanning.then(() => this.scanOnce(settle));
    return this.scanning;
  }

  private async scanOnce(settle: boolean): Promise<void> {
    if (this.stopped) return;
    const files = (await readdir(this.options.folder)).filter(isLibraryFile).sort();
    const present = new Set(files);
    // Removals first: a file renamed to a name that maps to the same style (klee.jpg -> Klee.jpg), or a
    // second file waiting for its name (Starry Night.jpg beside starry-night.png), takes over the name now.
    this.forgetRemoved(present);
    for (const file of files) {
      const path = join(this.options.folder, file);
      let signature: string;
      try {
        const info = await stat(path);
        if (!info.isFile()) continue;
        signature = `${info.size}:${info.mtimeMs}`;
        // Still being written (copy in progress): look again once it has been quiet for a moment.
        if (settle && Date.now() - info.mtimeMs < SETTLE_MS) {
          this.scheduleRescan(SETTLE_MS);
          continue;
        }
      } catch {
        continue; // removed while we looked
      }
      if (this.known.get(file)?.signature === signature) continue;
      if (this.rejected.get(file) === signature) continue;
      await this.load(file, path, signature);
    }
  }

  /** Drops the styles whose files are gone, and the bad-file memory of files that are gone. */
  private forgetRemoved(present: ReadonlySet<string>): void {
    for (const [file, known] of this.known) {
      if (present.has(file)) continue;
      this.known.delete(file);
      if (this.entries.get(known.name)?.file === join(this.options.folder, file)) {
        this.entries.delete(known.name);
        this.log.info(`style '${known.name}' removed`);
        this.safeEmit('removed', known.name);
        this.safeEmit('changed');
      }
    }
    for (const file of this.rejected.keys()) if (!present.has(file)) this.rejected.delete(file);
    for (const file of this.reported) if (!present.has(file)) this.reported.delete(file);
  }

  private async load(file: string, path: string, signature: string): Promise<void> {
    const name = styleNameFromFile(file);
    try {
      if (!name) throw new StylecastError('BAD_IMAGE', `style file ${file} has no usable name`);
      const owner = this.entries.get(name);
      if (owner && owner.file !== path) {
        // Not remembered as bad: once the owner goes, the next scan gives this file the name.
        this.reportOnce(file, path, `style name '${name}' is already taken by ${owner.file}`);
        return;
      }
      const image = await readStyleImage(path);
      const bottleneck = await this.bottleneckFor(image.sha256, image.rgba, image.width, image.height);
      const thumbnail = await this.thumbnailFor(image.sha256, path);
      const entry: StyleEntry = { name, file: path, sha256: image.sha256, bottleneck, thumbnail };
      const replaced = this.entries.has(name);
      this.entries.set(name, entry);
      this.known.set(file, { signature, name });
      this.rejected.delete(file);
      this.reported.delete(file);
      // The first scan is summed up by the caller; later arrivals get their own line.
      const line = `style '${name}' ${replaced ? 'updated' : 'added'}`;
      if (this.started) this.log.info(line);
      else this.log.debug(line);
      this.safeEmit('added', entry);
      this.safeEmit('changed');
    } catch (error) {
      // Reported once per version of the file; the previous good version (if any) stays.
      this.rejected.set(file, signature);
      this.reportOnce(file, path, describeError(error));
    }
  }

  private reportOnce(file: string, path: string, reason: string): void {
    if (this.reported.has(file)) return;
    this.reported.add(file);
    this.log.warn(`style file ${file} skipped: ${reason}`);
    this.safeEmit('rejected', { file: path, reason });
  }

  private cachePath(...parts: string[]): string {
    return join(this.options.cacheDir, 'styles', ...parts);
  }

  private async bottleneckFor(sha: string, rgba: Uint8Array, width: number, height: number) {
    const path = this.cachePath(`${sha}-${this.options.predictor.modelHash.slice(0, 16)}.f32`);
    try {
      const bytes = await readFile(path);
      if (bytes.byteLength === 400)
        return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 400));
    } catch {
      // not cached yet
    }
    const vector = await this.options.predictor.predict(rgba, width, height);
    await writeAtomic(path, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
    return vector;
  }

  private async thumbnailFor(sha: string, source: string): Promise<Buffer> {
    const path = this.cachePath('thumbs', `${sha}.jpg`);
    try {
      return await readFile(path);
    } catch {
      const thumb = await sharp(source, { failOn: 'error' })
        .rotate()
        .flatten({ background: '#ffffff' }) // transparency as the style sees it
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'cover' })
        .jpeg({ quality: 80 })
        .toBuffer();
      await writeAtomic(path, thumb);
      return thumb;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.scanning.catch(() => {});
  }
}

/** Temp file + rename, so a crash never leaves a half-written cache entry. */
async function writeAtomic(path: string, data: Buffer): Promise<void> {
  makeFolder(join(path, '..'));
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}
