import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type { Frame } from '../src/core/frame.ts';
import type { FrameSink, SinkStats } from '../src/core/lifecycle.ts';
/**
 * Shared shape of benchmark results: each section is a titled table (rows of label -> value) with
 * optional notes. bench/index.ts prints them and writes them all as JSON.
 */
export interface BenchSection {
  title: string;
  rows: Record<string, string | number>[];
  notes?: string[];
}

export interface BenchOptions {
  /** Short runs (CI, smoke): seconds instead of minutes. */
  quick: boolean;
  /** The raw command-line arguments, for section-specific flags (e.g. --minutes). */
  argv: string[];
}

export type BenchModule = { run(options: BenchOptions): Promise<BenchSection[]> };

/** Value of `--name X` in argv, or undefined. */
export function flagValue(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  if (index >= 0 && index + 1 < argv.length) return argv[index + 1];
  const inline = argv.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

const show = (v: string | number): string =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 2)) : v;

/** A plain-text table: one column per key seen in any row, numbers right-aligned. */
export function formatTable(section: BenchSection): string {
  const columns = [...new Set(section.rows.flatMap((r) => Object.keys(r)))];
  const cells = section.rows.map((r) => columns.map((c) => (r[c] === undefined ? '' : show(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const numeric = columns.map((c) =>
    section.rows.every((r) => r[c] === undefined || typeof r[c] === 'number'),
  );
  const line = (values: string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  const out = [`## ${section.title}`, line(columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of cells) out.push(line(row));
  for (const note of section.notes ?? []) out.push(`  note: ${note}`);
  return out.join('\n');
}

/** Samples this process's RSS every `everyMs` until stopped. */
export function sampleRss(everyMs = 500): { stop(): number[] } {
  const samples: number[] = [process.memoryUsage().rss];
  const timer = setInterval(() => samples.push(process.memoryUsage().rss), everyMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push(process.memoryUsage().rss);
      return samples;
    },
  };
}

/** This thread's garbage collections from now until stop(): major (mark-compact) count and all GC pause ms. */
export function countGc(): { stop(): { major: number; pauseMs: number } } {
  const counts = { major: 0, pauseMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      counts.pauseMs += entry.duration;
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) counts.major++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      observer.disconnect();
      return counts;
    },
  };
}

/** CPU seconds (user + system) of a child process from /proc (Linux); undefined elsewhere. */
export async function childCpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  try {
    const { readFile } = await import('node:fs/promises');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12] = utime, stime (fields 14 and 15 of stat(5)), in clock ticks (100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

/** A sink that only counts what it is given: measures the pipeline without any output cost. */
export class CountingSink implements FrameSink {
  readonly name = 'count';
  readonly releasesFrames = true;
  written = 0;
  async start() {}
  async stop() {}
  write(_frame: Frame) {
    this.written++;
    return true;
  }
  stats(): SinkStats {
    return { name: this.name, state: 'running', written: this.written, dropped: 0 };
  }
}

/** The middle value (the mean of the two middle ones for an even count); 0 when empty. */
export const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
