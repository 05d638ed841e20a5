import { extname } from 'node:path';

/** File extensions the style library reads (case-insensitive). Other files in the folder are ignored. */
export const STYLE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

export const isStyleFile = (file: string): boolean => STYLE_EXTENSIONS.has(extname(file).toLowerCase());

/**
 * A file in the styles folder that is a style: hidden files are not, so macOS's `._painting.jpg`
 * (resource forks copied to USB sticks and shares) and editors' `.~lock` files are ignored silently.
 */
export const isLibraryFile = (file: string): boolean => !file.startsWith('.') && isStyleFile(file);

/**
 * A style's name from its file name: `van_gogh_starry_night.jpg` -> `van-gogh-starry-night`.
 * Lower case, accents folded (Félix -> felix), every run of other characters becomes one dash.
 */
export function styleNameFromFile(file: string): string {
  const base = file.replace(/^.*[\\/]/, '');
  return styleKey(base.slice(0, base.length - extname(base).length));
}

/**
 * The naming rule on its own, for a name someone types: `Van Gogh Starry Night`, `VAN_GOGH starry-night`
 * and `van-gogh-starry-night` are the same style (Stream Deck URLs, `--style` are typed by hand).
 */
export function styleKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
