import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegVersion } from '../src/core/ffmpeg.ts';
import { type BenchModule, type BenchSection, flagValue, formatTable } from './lib.ts';

/**
 * `npm run bench [-- --quick] [--only a,b] [--json FILE|-] [--minutes N]`
 * Runs the registered sections one after another (never in parallel: they measure the machine),
 * prints each as a table and writes everything as JSON (default bench/results/<timestamp>.json).
 * Add a section: one line in SECTIONS, pointing at a file exporting run(options): Promise<BenchSection[]>.
 */
export const SECTIONS: Record<string, () => Promise<BenchModule>> = {
  passthrough: () => import('./passthrough.bench.ts'),
  models: () => import('./models.bench.ts'),
  obs: () => import('./obs.bench.ts'),
  control: () => import('./control.bench.ts'),
  style: () => import('./style.bench.ts'),
  segmentation: () => import('./segmentation.bench.ts'),
};

async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const only = flagValue(argv, '--only')
    ?.split(',')
    .map((s) => s.trim());
  const jsonTarget = flagValue(argv, '--json');
  const unknown = only?.filter((name) => !(name in SECTIONS)) ?? [];
  if (unknown.length) {
    process.stderr.write(
      `unknown section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}\n`,
    );
    process.exitCode = 2;
    return;
  }
  // With --json - the JSON owns stdout; tables go to stderr.
  const print = (text: string) => (jsonTarget === '-' ? process.stderr : process.stdout).write(`${text}\n`);
  const results: Record<string, BenchSection[] | { error: string }> = {};
  for (const [name, load] of Object.entries(SECTIONS)) {
    if (only && !only.includes(name)) continue;
    print(`# ${name}${quick ? ' (quick)' : ''}`);
    try {
      const sections = await (await load()).run({ quick, argv });
      results[name] = sections;
      for (const section of sections) print(`${formatTable(section)}\n`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results[name] = { error: message };
      print(`  failed: ${message}\n`);
      process.exitCode = 1;
    }
  }
  const report = {
    createdAt: new Date().toISOString(),
    host: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, ffmpeg: safeFfmpegVersion() },
    options: { quick, only: only ?? null },
    results,
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (jsonTarget === '-') {
    process.stdout.write(json);
    return;
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const path = jsonTarget ?? join(here, 'results', `${report.createdAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, json);
  print(`wrote ${path}`);
}

function safeFfmpegVersion(): string {
  try {
    return ffmpegVersion();
  } catch {
    return 'not found';
  }
}

await main(process.argv.slice(2));
