import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { StylecastError } from '../../core/errors.ts';
import {
  candidatePaths,
  type LocateOptions,
  manifest,
  modelEntry,
  modelNames,
  type PullProgress,
  pullModel,
  verifyFile,
} from '../../inference/registry/index.ts';
import { createSession } from '../../inference/runtime.ts';

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
    .action(async (names: string[], opts: { modelsDir?: string; baseUrl?: string }) => {
      const where = locate(opts);
      const wanted = names.length ? names : await missingModels(where);
      for (const name of wanted) modelEntry(name);
      if (wanted.length === 0) process.stderr.write('all models are present\n');
      for (const name of wanted) {
        const bar = progressBar(name);
        try {
          const result = await pullModel(name, { ...where, baseUrl: opts.baseUrl, onProgress: bar.update });
          bar.stop();
          const what = result.skipped
            ? 'already present, verified'
            : `${result.downloaded} bytes${result.resumed ? ' (resumed)' : ''}, sha256 ok`;
          process.stdout.write(`${name}: ${what} -> ${result.path}\n`);
        } finally {
          bar.stop();
        }
      }
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
          process.stdout.write(`${row.name}: ok (${row.path})\n`);
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
      const onnx = importTflite(new Uint8Array(await readFile(file)), {
        modelName: basename(file),
      });
      await writeFile(opts.out, onnx);
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

/** A cli-progress bar on a terminal; silent otherwise (the summary line still prints). */
function progressBar(name: string): { update: (e: PullProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${name.padEnd(26)} {bar} {percentage}% {value}/{total} bytes`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update(event) {
      if (event.status !== 'progress' || stopped) return;
      if (!started) {
        bar.start(event.total, event.loaded);
        started = true;
      } else bar.update(event.loaded);
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
