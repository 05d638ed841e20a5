import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { StylecastError } from '../../core/errors.ts';

/**
 * models/manifest.json: the registry's source of truth (names, files, URLs, checksums, tensors,
 * preprocessing). Validated once when first read; everything else asks this module.
 */

const Tensor = z.object({
  name: z.string().min(1),
  dtype: z.string().min(1),
  dims: z.array(z.number().int()),
});

/** value = (pixel − mean) / std, with pixel in 0..255 in the given channel order. */
const Normalization = z.object({
  channels: z.enum(['RGB', 'BGR']),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number(), z.number(), z.number()]),
  range: z.tuple([z.number(), z.number()]).optional(),
});

export const ModelEntrySchema = z.object({
  role: z.enum(['segmentation', 'style-predict', 'style-transform']),
  description: z.string(),
  /** Relative to a models folder laid out like ../shared/models. */
  file: z.string().min(1),
  format: z.enum(['tflite', 'onnx']),
  precision: z.string(),
  size: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  licence: z.string(),
  source: z.object({ repo: z.string(), path: z.string(), commit: z.string() }),
  /** Download locations, tried in order. */
  urls: z.array(z.url()).min(1),
  /** An npm dependency that ships the same bytes (no download needed). */
  npm: z.object({ package: z.string(), file: z.string() }).optional(),
  layout: z.enum(['NHWC', 'NCHW']),
  normalization: Normalization,
  inputs: z.array(Tensor).min(1),
  outputs: z.array(Tensor).min(1),
  /** Spatial dims of the input may differ from those declared (the runtime resizes). */
  dynamicSpatial: z.boolean().optional(),
  /** Multiply-accumulates per inference, in billions (null when not counted). */
  gmac: z.number().nullable(),
});

const ManifestSchema = z.object({
  version: z.literal(1),
  models: z.record(z.string().regex(/^[a-z0-9-]+$/), ModelEntrySchema),
});

export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type Normalization = z.infer<typeof Normalization>;
export interface NamedEntry extends ModelEntry {
  name: string;
}

export const MANIFEST_PATH = new URL('../../../models/manifest.json', import.meta.url);

let cached: Map<string, NamedEntry> | undefined;

/** All registry entries, in manifest order (read and validated once per process). */
export function manifest(): Map<string, NamedEntry> {
  if (cached) return cached;
  const parsed = ManifestSchema.safeParse(JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`models/manifest.json is invalid at ${issue.path.join('.')}: ${issue.message}`);
  }
  cached = new Map(Object.entries(parsed.data.models).map(([name, e]) => [name, { name, ...e }]));
  return cached;
}

export const modelNames = (): string[] => [...manifest().keys()];

/** The entry for a registry name; an unknown name is a user error listing the known ones. */
export function modelEntry(name: string): NamedEntry {
  const entry = manifest().get(name);
  if (!entry) {
    throw new StylecastError(
      'MODEL_NOT_FOUND',
      `unknown model '${name}'`,
      `known models: ${modelNames().join(', ')}`,
    );
  }
  return entry;
}

/** The SUPPORTED table: one row per model for listings, the API and docs. */
export function supportedModels(): {
  name: string;
  role: string;
  format: string;
  precision: string;
  licence: string;
}[] {
  return [...manifest().values()].map(({ name, role, format, precision, licence }) => ({
    name,
    role,
    format,
    precision,
    licence,
  }));
}
