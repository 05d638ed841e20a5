import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { defaultCacheDir, ENV } from '../../core/env.ts';
import { StylecastError } from '../../core/errors.ts';
import { modelEntry, type NamedEntry } from './manifest.ts';

/**
 * Where a registry model's file is. Lookup order: the models folder (STYLECAST_MODELS or
 * inference.modelsDir) wins, then the per-OS cache (<cache>/models), then an npm dependency that ships
 * the same bytes (the selfie models), so segmentation needs no download.
 */

export interface LocateOptions {
  /** A folder laid out like ../shared/models (config inference.modelsDir / STYLECAST_MODELS). */
  modelsDir?: string;
  /** Overrides the per-OS cache directory (its `models` subfolder holds pulled files). */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

export type ModelSource = 'models-dir' | 'cache' | 'npm';

export interface ResolvedModel {
  path: string;
  entry: NamedEntry;
  source: ModelSource;
}

/** The folders searched, in order, with their source tag (the npm one only when the entry has one). */
export function candidatePaths(entry: NamedEntry, options: LocateOptions = {}): ResolvedModel[] {
  const env = options.env ?? process.env;
  const out: ResolvedModel[] = [];
  const modelsDir = options.modelsDir ?? env[ENV.models];
  if (modelsDir) out.push({ path: join(modelsDir, entry.file), entry, source: 'models-dir' });
  out.push({ path: join(pullDir(options), entry.file), entry, source: 'cache' });
  if (entry.npm) {
    const npmPath = npmFile(entry.npm.package, entry.npm.file);
    if (npmPath) out.push({ path: npmPath, entry, source: 'npm' });
  }
  return out;
}

/** Where `models pull` writes: the models folder when one is set, else <cache>/models. */
export function pullDir(options: LocateOptions = {}): string {
  const env = options.env ?? process.env;
  const modelsDir = options.modelsDir ?? env[ENV.models];
  if (modelsDir) return modelsDir;
  return join(options.cacheDir ?? defaultCacheDir(env), 'models');
}

/** Where imported ONNX files are cached (keyed by source sha256 + importer version by the importer). */
export function importCacheDir(options: LocateOptions = {}): string {
  return join(options.cacheDir ?? defaultCacheDir(options.env ?? process.env), 'onnx');
}

function npmFile(pkg: string, file: string): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(`${pkg}/${file}`);
  } catch {
    return undefined;
  }
}

/** The first existing file for `name`, or a MODEL_NOT_FOUND error saying where it looked. */
export function resolveModel(name: string, options: LocateOptions = {}): ResolvedModel {
  const entry = modelEntry(name);
  const candidates = candidatePaths(entry, options);
  const found = candidates.find((c) => existsSync(c.path));
  if (found) return found;
  throw new StylecastError(
    'MODEL_NOT_FOUND',
    `model '${name}' not found (looked in ${candidates.map((c) => c.path).join(', ')})`,
    `run \`stylecast models pull ${name}\`, or set ${ENV.models} to a folder that has ${entry.file}`,
  );
}

export function isPresent(name: string, options: LocateOptions = {}): boolean {
  return candidatePaths(modelEntry(name), options).some((c) => existsSync(c.path));
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface Verification {
  ok: boolean;
  /** What is wrong, in words, when not ok. */
  problem?: string;
  key?: 'MODEL_CORRUPT' | 'MODEL_CHECKSUM';
}

/** Size first (a truncated or padded file), then sha256 (a corrupt or different file). */
export async function verifyFile(
  path: string,
  entry: Pick<NamedEntry, 'size' | 'sha256'>,
): Promise<Verification> {
  const size = statSync(path).size;
  if (size !== entry.size) {
    const how = size < entry.size ? 'truncated' : 'too large';
    return { ok: false, key: 'MODEL_CORRUPT', problem: `${how}: ${size} bytes, expected ${entry.size}` };
  }
  const digest = await sha256File(path);
  if (digest !== entry.sha256) {
    return { ok: false, key: 'MODEL_CHECKSUM', problem: `sha256 ${digest}, expected ${entry.sha256}` };
  }
  return { ok: true };
}

/** verifyFile as a thrown StylecastError naming the file. */
export async function assertVerified(path: string, entry: NamedEntry): Promise<void> {
  const result = await verifyFile(path, entry);
  if (result.ok) return;
  throw new StylecastError(
    result.key ?? 'MODEL_CORRUPT',
    `model '${entry.name}' at ${path} is damaged or a different file (${result.problem})`,
    `delete it and run \`stylecast models pull ${entry.name}\``,
  );
}
