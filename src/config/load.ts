import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { defaultConfigDir, ENV } from '../core/env.ts';
import { StylecastError } from '../core/errors.ts';
import { closestNames } from '../core/suggest.ts';
import { type Config, ConfigSchema } from './schema.ts';

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Names that are never settings. JSON.parse makes `"__proto__"` an own key, and `out[key] = value`
 * with it would replace the merged object's prototype (settings appearing from nowhere), so a layer
 * holding one anywhere is refused before anything is merged.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Deep merge of plain objects; later layers win; arrays and scalars are replaced whole. */
export function mergeLayers(...layers: Plain[]): Plain {
  for (const layer of layers) refuseReservedKeys(layer);
  return merge(layers);
}

function merge(layers: Plain[]): Plain {
  const out: Plain = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      out[key] = isPlain(value) && isPlain(out[key]) ? merge([out[key] as Plain, value]) : value;
    }
  }
  return out;
}

function refuseReservedKeys(layer: Plain, origin = 'settings', path: string[] = []): void {
  for (const [key, value] of Object.entries(layer)) {
    const at = [...path, key];
    if (RESERVED_KEYS.has(key))
      throw new StylecastError(
        'BAD_CONFIG',
        `invalid ${origin}: ${at.join('.')}: '${key}' is a reserved name and cannot be a key`,
        'remove it from the config file',
      );
    if (isPlain(value)) refuseReservedKeys(value, origin, at);
  }
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
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  if (issue.code === 'unrecognized_keys') return `${unknownKeyMessage(issue.path, issue.keys)}${more}`;
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  return `${where}: ${issue.message}${more}`;
}

/** `effect.nmae: unknown setting (did you mean effect.name?)`: the full path, and the key it is closest to. */
function unknownKeyMessage(path: PropertyKey[], keys: string[]): string {
  const prefix = path.map(String).join('.');
  const full = (key: string) => (prefix ? `${prefix}.${key}` : key);
  const known = keysAt(ConfigSchema, path);
  const [guess] = closestNames(keys[0], known, 1);
  const others = keys.length > 1 ? `; also unknown: ${keys.slice(1).map(full).join(', ')}` : '';
  const hint = guess ? `did you mean ${full(guess)}?` : `known here: ${known.map(full).join(', ')}`;
  return `${full(keys[0])}: unknown setting (${hint})${others}`;
}

/** The keys of the object schema at `path` (through defaults and optionals), [] when there is none. */
function keysAt(schema: unknown, path: PropertyKey[]): string[] {
  let at = unwrapSchema(schema);
  for (const part of path) at = unwrapSchema(at?.shape?.[String(part)]);
  return at?.shape ? Object.keys(at.shape) : [];
}

type SchemaNode = { shape?: Record<string, unknown>; def?: { innerType?: unknown } };

function unwrapSchema(schema: unknown): SchemaNode | undefined {
  let at = schema as SchemaNode | undefined;
  while (at && !at.shape && at.def?.innerType) at = at.def.innerType as SchemaNode;
  return at;
}

/** file < env < flags, validated once. */
export function loadConfig(options: { file?: string; flags?: Plain; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = options.env ?? process.env;
  const path = configFilePath(options.file, env);
  const fileLayer = path ? readConfigFile(path) : {};
  if (path) refuseReservedKeys(fileLayer, `config file ${path}`); // named here: mergeLayers knows no file
  return validateConfig(
    mergeLayers(fileLayer, envLayer(env), options.flags ?? {}),
    path ? `config (${path} + env + flags)` : 'settings',
  );
}
