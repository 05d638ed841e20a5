import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { defaultConfigDir, ENV } from '../core/env.ts';
import { StylecastError } from '../core/errors.ts';
import { type Config, ConfigSchema } from './schema.ts';

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects; later layers win; arrays and scalars are replaced whole. */
export function mergeLayers(...layers: Plain[]): Plain {
  const out: Plain = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      out[key] = isPlain(value) && isPlain(out[key]) ? mergeLayers(out[key] as Plain, value) : value;
    }
  }
  return out;
}

/** Settings that come from the environment (the names other tools rely on). */
export function envLayer(env: NodeJS.ProcessEnv = process.env): Plain {
  return {
    inference: { modelsDir: env[ENV.models] },
    style: { folder: env[ENV.styles] },
    obs: { url: env[ENV.obsUrl], password: env[ENV.obsPassword] },
  };
}

export function configFilePath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit) return explicit;
  if (env[ENV.config]) return env[ENV.config];
  const fallback = join(defaultConfigDir(env), 'config.json');
  return existsSync(fallback) ? fallback : undefined;
}

export function readConfigFile(path: string): Plain {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new StylecastError(
      'BAD_CONFIG',
      `config file ${path} cannot be read`,
      'check the path given by --config or STYLECAST_CONFIG',
    );
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!isPlain(parsed)) throw new Error('not an object');
    return parsed;
  } catch (e) {
    throw new StylecastError(
      'BAD_CONFIG',
      `config file ${path} is not a JSON object (${(e as Error).message})`,
      'fix the JSON syntax',
    );
  }
}

/** Validates merged settings once; the first problem becomes a one-line error naming the key. */
export function validateConfig(raw: Plain, origin = 'settings'): Config {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new StylecastError(
    'BAD_CONFIG',
    `invalid ${origin}: ${formatIssue(result.error)}`,
    'see `stylecast run --help` and the README for valid settings',
  );
}

export function formatIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${where}: ${issue.message}${more}`;
}

/** file < env < flags, validated once. */
export function loadConfig(options: { file?: string; flags?: Plain; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = options.env ?? process.env;
  const path = configFilePath(options.file, env);
  const fileLayer = path ? readConfigFile(path) : {};
  return validateConfig(
    mergeLayers(fileLayer, envLayer(env), options.flags ?? {}),
    path ? `config (${path} + env + flags)` : 'settings',
  );
}
