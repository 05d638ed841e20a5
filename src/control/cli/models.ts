import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { StylecastError } from '../../core/errors.ts';
import { refusalReason } from '../../core/folders.ts';
import { silentLogger } from '../../core/log.ts';
import {
  candidatePaths,
  importCacheDir,
  type LocateOptions,
  manifest,
  modelEntry,
  modelNames,
  pullModel,
  verifyFile,
} from '../../inference/registry/index.ts';
import { createSession } from '../../inference/runtime.ts';
import { defaultStylesFolder } from '../../pipeline/style/library.ts';
import { styleFilesIn } from '../../pipeline/style/resolve.ts';
import { starterStyles } from '../../pipeline/style/starter.ts';
import { parseSeconds, progressBar } from './download-bar.ts';

/** `stylecast models list | pull | verify | import`: the registry from the command line. */
export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('list, download, verify and import segmentation and style models');
  const dirOption = [
    '--models-dir <dir>',
    'a folder laid out like the models cache (default: STYLECAST_MODELS)',
  ] as const;

  models
    .command('list')
    .description('every registry model: present or not, where, and whether its sha256 checks out')
    .option(...dirOption)
    .option('--json', 'print JSON')
    .action(async (opts: { modelsDir?: string; json?: boolean }) => {
      const rows = await listRows(locate(opts));
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else printTable(rows);
    });

  models
    .command('pull')
    .description('download models (all missing ones when no name is given), resuming, checking sha256')
    .argument('[names...]', `model names: ${modelNames().join(', ')}`)
    .option(...dirOption)
    .option('--base-url <url>', 'fetch from <url>/<file> instead of the canonical URLs (a mirror)')
    .option(
      '--timeout <seconds>',
      'give up an attempt that receives nothing for this long; a model after twice that (default 30)',
      parseSeconds,
    )
    .action(async (names: string[], opts: { modelsDir?: string; baseUrl?: string; timeout?: number }) => {
      const where = locate(opts);
      const wanted = names.length ? names : await missingModels(where);
      for (const name of wanted) modelEntry(name);
      if (wanted.length === 0) process.stderr.write('all models are present\n');
      for (const name of wanted) {
        const bar = progressBar(name);
        try {
          const result = await pullModel(name, {
            ...where,
            baseUrl: opts.baseUrl,
            idleTimeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
            onProgress: bar.update,
          });
          bar.stop();
          const what = result.skipped
            ? 'already present, verified'
            : `${result.downloaded} bytes${result.resumed ? ' (resumed)' : ''}, sha256 ok`;
          process.stdout.write(`${name}: ${what} -> ${result.path}\n`);
        } finally {
          bar.stop();
        }
      }
      emptyStylesTip();
    });

  models
    .command('verify')
    .description('check size and sha256 of the present models (or the named ones) against the manifest')
    .argument('[names...]', 'model names (default: every present model)')
    .option(...dirOption)
    .action(async (names: string[], opts: { modelsDir?: string }) => {
      for (const name of names) modelEntry(name);
      const where = locate(opts);
      const rows = (await listRows(where)).filter((r) => (names.length ? names.includes(r.name) : r.present));
      let bad = 0;
      for (const row of rows) {
        if (!row.present) {
          bad++;
          process.stdout.write(`${row.name}: missing (run \`stylecast models pull ${row.name}\`)\n`);
        } else if (row.verified) {
          const cache = await checkImportCache(row, where);
          process.stdout.write(`${row.name}: ok (${row.path})${cache ? `; ${cache}` : ''}\n`);
        } else {
          bad++;
          process.stdout.write(`${row.name}: BAD ${row.path}: ${row.problem}\n`);
        }
      }
      if (bad > 0) {
        throw new StylecastError(
          'MODEL_CHECKSUM',
          `${bad} model(s) missing or damaged`,
          'run `stylecast models pull <name>` for each one listed above',
        );
      }
    });

  models
    .command('import')
    .description('convert any TFLite model into ONNX with the built-in importer, and check it opens')
    .argument('<file>', 'a .tflite file')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .action(async (file: string, opts: { out: string }) => {
      if (!existsSync(file)) {
        throw new StylecastError(
          'INPUT_NOT_FOUND',
          `${file} does not exist`,
          'give the path of a .tflite file',
        );
      }
      const { importTflite } = await import('../../inference/tflite/import.ts');
      const onnx = importTflite(await readModelFile(file), { modelName: basename(file) });
      await writeImported(opts.out, onnx, file);
      const session = await createSession(onnx, { label: opts.out, warmup: false, isolation: 'inline' });
      try {
        const fmt = (t: { name: string; dims: (number | string)[] }) => `${t.name} [${t.dims.join(',')}]`;
        process.stdout.write(
          `${opts.out}: ${onnx.byteLength} bytes; inputs ${session.inputs.map(fmt).join(', ')}; ` +
            `outputs ${session.outputs.map(fmt).join(', ')}\n`,
        );
      } finally {
        await session.release();
      }
    });
}

/** Paths are the user's: a folder or an unreadable file is their mistake, said in one line. */
async function readModelFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const code = errnoCode(error);
    if (!code) throw error;
    const why = code === 'EISDIR' ? 'it is a folder' : refusalReason(code, file);
    throw new StylecastError(
      'INPUT_UNREADABLE',
      `cannot read ${file}: ${why}`,
      'give the path of a .tflite file',
      {
        cause: error,
      },
    );
  }
}

async function writeImported(out: string, onnx: Uint8Array, source: string): Promise<void> {
  try {
    await writeFile(out, onnx);
  } catch (error) {
    const code = errnoCode(error);
    if (!code) throw error;
    const suggestion = join(out, `${basename(source, extname(source))}.onnx`);
    const [why, hint] =
      code === 'ENOENT'
        ? // refusalReason's ENOENT assumes the folder exists; here it usually does not.
          [
            `the folder ${dirname(out)} does not exist`,
            'create it first, or give --out a path in an existing folder',
          ]
        : code === 'EISDIR'
          ? ['it is a folder', `give --out a file name, e.g. --out ${suggestion}`]
          : [refusalReason(code, out), 'give --out a path you can write to'];
    throw new StylecastError('OUTPUT_FAILED', `cannot write ${out}: ${why}`, hint, { cause: error });
  }
}

const errnoCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * A verified TFLite model runs from its cached ONNX conversion, which can be damaged on its own: check
 * that too, and convert it again when it is (what loading would do anyway), so verify never says ok
 * about a model that then fails to load.
 */
async function checkImportCache(row: Row, where: LocateOptions): Promise<string | undefined> {
  const entry = modelEntry(row.name);
  if (entry.format !== 'tflite' || !row.path) return undefined;
  const { importCachePath, importTfliteFile } = await import('../../inference/tflite/import.ts');
  const { readCacheEntry } = await import('../../inference/tflite/import-cache.ts');
  const cachePath = importCachePath(importCacheDir(where), entry.sha256);
  const cached = await readCacheEntry(cachePath);
  if (cached.state !== 'damaged') return undefined;
  await importTfliteFile(row.path, { cacheDir: importCacheDir(where), log: silentLogger() });
  return `its cached ONNX conversion ${cachePath} was damaged (${cached.problem}): converted again`;
}

function locate(opts: { modelsDir?: string }): LocateOptions {
  const config = loadConfig({ flags: { inference: { modelsDir: opts.modelsDir } } });
  return { modelsDir: config.inference.modelsDir };
}

interface Row {
  name: string;
  role: string;
  format: string;
  size: number;
  licence: string;
  present: boolean;
  source?: string;
  path?: string;
  verified?: boolean;
  problem?: string;
}

async function listRows(where: LocateOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const entry of manifest().values()) {
    const row: Row = {
      name: entry.name,
      role: entry.role,
      format: entry.format,
      size: entry.size,
      licence: entry.licence,
      present: false,
    };
    const found = candidatePaths(entry, where).find((c) => existsSync(c.path));
    if (found) {
      const check = await verifyFile(found.path, entry);
      Object.assign(row, { present: true, source: found.source, path: found.path, verified: check.ok });
      if (!check.ok) row.problem = check.problem;
    }
    rows.push(row);
  }
  return rows;
}

async function missingModels(where: LocateOptions): Promise<string[]> {
  return (await listRows(where)).filter((r) => !r.present || !r.verified).map((r) => r.name);
}

function printTable(rows: Row[]): void {
  const cells = rows.map((r) => [
    r.name,
    r.role,
    r.format,
    `${(r.size / 1024).toFixed(0)} KiB`,
    r.licence,
    !r.present ? 'missing' : r.verified ? 'verified' : `BAD: ${r.problem}`,
    r.present ? `${r.source}: ${r.path}` : '',
  ]);
  const header = ['name', 'role', 'format', 'size', 'licence', 'status', 'where'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  for (const line of [header, ...cells]) {
    process.stdout.write(
      `${line
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

/**
 * A cli-progress bar on a terminal; silent otherwise (the summary line still prints). A failed attempt
 * is one line either way: a pull that waits on a silent server must not look hung.
 */

/** The style effects need paintings as well as models: say how to get some when there are none. */
function emptyStylesTip(): void {
  let folder: string;
  try {
    folder = loadConfig({ flags: {} }).style.folder ?? defaultStylesFolder();
  } catch {
    return; // a config problem is for `run` to report, not for a tip
  }
  if (styleFilesIn(folder).length === 0)
    process.stdout.write(
      `tip: no paintings in ${folder} yet: \`stylecast styles pull\` adds ${starterStyles().length} public-domain ones\n`,
    );
}
