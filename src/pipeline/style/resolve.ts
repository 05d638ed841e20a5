import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StylecastError } from '../../core/errors.ts';
import { closestNames } from '../../core/suggest.ts';
import { isLibraryFile, styleKey, styleNameFromFile } from './names.ts';

/** How many style names a hint lists (a folder can hold hundreds). */
const LISTED = 12;

/**
 * `--style NAME|PATH` for an offline job (`stylize`, `render`): an image file, or a style in `folder`;
 * anything else is one UNKNOWN_STYLE error naming the closest styles. Returns the image's path.
 * Reads file names only, so a typo is caught at once, before models load or a file is written.
 */
export function resolveStyleFile(style: string, folder: string): string {
  if (existsSync(style)) return style; // an image path (a bad one is the image reader's error)
  const files = styleFilesIn(folder);
  const match =
    files.find((f) => styleNameFromFile(f) === style) ??
    files.find((f) => styleNameFromFile(f) === styleKey(style));
  if (match) return join(folder, match);
  throw unknownStyleError(style, folder, files.map(styleNameFromFile));
}

/** `style 'X' is neither …` with the likeliest meant names first, then the others (up to 12). */
export function unknownStyleError(style: string, folder: string, known: readonly string[]): StylecastError {
  const names = [...new Set(known)];
  const close = closestNames(style, names);
  const listed = [...close, ...names.filter((n) => !close.includes(n))];
  const list = `${listed.slice(0, LISTED).join(', ')}${listed.length > LISTED ? `, … (${listed.length} in all)` : ''}`;
  const guess = close.length ? `did you mean ${close.map((n) => `'${n}'`).join(' or ')}? ` : '';
  return new StylecastError(
    'UNKNOWN_STYLE',
    `style '${style}' is neither an image file nor a style in ${folder}`,
    names.length
      ? `${guess}known styles: ${list}`
      : 'pass an image path, or run `stylecast styles pull` for starter paintings in the styles folder (STYLECAST_STYLES)',
  );
}

/** The painting files in a styles folder (none when it does not exist yet). */
export function styleFilesIn(folder: string): string[] {
  try {
    return readdirSync(folder).filter(isLibraryFile).sort();
  } catch {
    return []; // no folder (yet): no styles in it
  }
}
