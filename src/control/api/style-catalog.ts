import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SafeEmitter } from '../../core/lifecycle.ts';
import { isLibraryFile, styleNameFromFile } from '../../pipeline/style/names.ts';
import type { StyleService } from '../../pipeline/style/service.ts';
import { storeStyleImage, thumbnailJpeg } from './upload.ts';

/** The style list as the API sees it: names, thumbnails and a place to add uploads. */
export interface StyleCatalog {
  list(): { name: string; source?: 'builtin' | 'folder' | 'upload' }[];
  thumbnail(name: string): Promise<Buffer | undefined>;
  /** Stores a validated, re-encoded JPEG; returns the new style's name. */
  add(jpeg: Buffer, originalName: string): Promise<{ name: string }>;
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

const MAX_THUMBNAILS = 256;

/**
 * The daemon's style library (StyleService) as a catalog. The library only exists once the style
 * models are loaded (on the first style command or style effect); until then the same folder is
 * listed directly, with the library's naming, so the panel's gallery works from the start.
 */
export class DaemonStyleCatalog extends SafeEmitter implements StyleCatalog {
  private readonly thumbs = new Map<string, Promise<Buffer>>();
  private hooked = false;
  private readonly timer: NodeJS.Timeout;
  private unhook: (() => void) | undefined;

  constructor(
    private readonly service: StyleService,
    readonly folder: string,
  ) {
    super();
    // StyleService has no 'opened' event: look once a second until its library exists.
    this.timer = setInterval(() => this.hookLibrary(), 1000);
    this.timer.unref();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.unhook?.();
  }

  private hookLibrary(): void {
    if (this.hooked || !this.service.ready) return;
    this.hooked = true;
    clearInterval(this.timer);
    const library = this.service.library;
    const changed = () => this.safeEmit('change');
    library.on('changed', changed);
    this.unhook = () => library.off('changed', changed);
    changed();
  }

  list(): { name: string; source: 'folder' }[] {
    this.hookLibrary();
    const names = this.service.ready ? this.service.library.names() : this.scanFolder().map((e) => e.name);
    return names.map((name) => ({ name, source: 'folder' }));
  }

  async thumbnail(name: string): Promise<Buffer | undefined> {
    if (this.service.ready) {
      const entry = this.service.library.get(name);
      if (entry) return entry.thumbnail;
    }
    const path = this.scanFolder().find((e) => e.name === name)?.path;
    if (!path) return undefined;
    let thumb = this.thumbs.get(path);
    if (!thumb) {
      if (this.thumbs.size >= MAX_THUMBNAILS) this.thumbs.delete(this.thumbs.keys().next().value as string);
      thumb = thumbnailJpeg(path);
      this.thumbs.set(path, thumb);
      thumb.catch(() => this.thumbs.delete(path));
    }
    return thumb.catch(() => undefined);
  }

  async add(jpeg: Buffer, originalName: string): Promise<{ name: string }> {
    // The same picture again (a double click, a retried upload) is the style it already is, not a copy.
    const same = this.fileWithBytes(jpeg);
    if (same) return { name: styleNameFromFile(same) };
    const file = await storeStyleImage(this.folder, jpeg, originalName);
    const name = styleNameFromFile(file);
    // The library watches its folder; rescanning now makes the new name usable in the reply already.
    if (this.service.ready) await this.service.library.rescan();
    else this.safeEmit('change');
    return { name };
  }

  /** A style file holding exactly these bytes (uploads are re-encoded the same way each time). */
  private fileWithBytes(bytes: Buffer): string | undefined {
    return this.scanFolder().find(({ path }) => {
      try {
        return statSync(path).size === bytes.length && readFileSync(path).equals(bytes);
      } catch {
        return false;
      }
    })?.path;
  }

  private scanFolder(): { name: string; path: string }[] {
    let files: string[];
    try {
      files = readdirSync(this.folder).filter(isLibraryFile).sort();
    } catch {
      return []; // the library creates the folder when it starts
    }
    const seen = new Set<string>();
    const out: { name: string; path: string }[] = [];
    for (const file of files) {
      const name = styleNameFromFile(file);
      if (!name || seen.has(name)) continue;
      seen.add(name);
      out.push({ name, path: join(this.folder, file) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }
}
