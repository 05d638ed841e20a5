import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared beside the clone (models, styles, media); STYLECAST_SHARED overrides. Never copied into the repo. */
export const SHARED = process.env.STYLECAST_SHARED ?? resolve(REPO, '..', 'shared');
export const MODELS_DIR = process.env.STYLECAST_MODELS ?? join(SHARED, 'models');
export const STYLES_DIR = process.env.STYLECAST_STYLES ?? join(SHARED, 'styles');
export const MEDIA_DIR = join(SHARED, 'media');

export const media = (...parts: string[]): string => join(MEDIA_DIR, ...parts);
export const model = (...parts: string[]): string => join(MODELS_DIR, ...parts);

if (!existsSync(MODELS_DIR)) {
  throw new Error(`test data not found at ${SHARED}: set STYLECAST_SHARED to the shared folder`);
}
