import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ENV } from '../../core/env.ts';
import { type PullOptions, type PullResult, pullFile } from '../../inference/registry/pull.ts';
import { styleNameFromFile } from './names.ts';

/**
 * The starter paintings (`stylecast styles pull`): public-domain works whose canonical URLs and sha256
 * live in models/starter-styles.json, like the models' manifest, never the images themselves. A fresh
 * install has the models after `models pull` but an empty styles folder, so nothing to paint with.
 */

const StarterStyleSchema = z.object({
  file: z.string().regex(/^[\w-]+\.(jpg|png|webp)$/),
  artwork: z.string(),
  size: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  source: z.object({ repo: z.string(), path: z.string(), commit: z.string() }),
  urls: z.array(z.string().url()).min(1),
});
export type StarterStyle = z.infer<typeof StarterStyleSchema> & { name: string };

export const STARTER_STYLES_PATH = new URL('../../../models/starter-styles.json', import.meta.url);

export function starterStyles(): StarterStyle[] {
  const doc = z
    .object({ version: z.literal(1), styles: z.array(StarterStyleSchema) })
    .parse(JSON.parse(readFileSync(STARTER_STYLES_PATH, 'utf8')));
  return doc.styles.map((s) => ({ ...s, name: styleNameFromFile(s.file) }));
}

/**
 * Downloads one starter painting into `folder` (verified, resumable; a present one is kept). A running
 * daemon's library picks it up as it lands: it is written as .part and renamed.
 */
export function pullStarterStyle(
  style: StarterStyle,
  folder: string,
  options: PullOptions = {},
): Promise<PullResult> {
  // The models' mirror (STYLECAST_MODELS_BASE_URL) does not hold paintings: only an explicit --base-url.
  return pullFile(
    style,
    join(folder, style.file),
    { ...options, env: {} },
    {
      again: 'stylecast styles pull',
      folderSetting: `the styles folder (--folder, style.folder or ${ENV.styles})`,
      mirror: '--base-url <url>',
    },
  );
}
