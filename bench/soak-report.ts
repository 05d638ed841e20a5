import { median } from './lib.ts';
/**
 * Pure arithmetic for the soak benchmark: one sample per interval in, the verdict out.
 * Growth is measured after warm-up (models loaded, caches filled, JIT settled), comparing the
 * median of the first three samples with the median of the last three, so one GC spike decides nothing.
 */

export interface Sample {
  tS: number;
  rssMb: number;
  heapMb: number;
  fds: number;
  children: number;
  loopP99Ms: number;
  fps: number;
  frames: number;
  /** Pipeline drops so far (newest frame wins when a stage is busy). */
  drops: number;
  e2eP50Ms: number;
  e2eP95Ms: number;
  /** Frames the sinks (recorder, OBS) dropped so far. */
  sinkDrops: number;
  sinkStates: string;
  wsMessages: number;
}

export interface SoakSummary {
  samples: number;
  warmupS: number;
  rssStartMb: number;
  rssEndMb: number;
  rssGrowthPct: number;
  heapStartMb: number;
  heapEndMb: number;
  heapGrowthPct: number;
  fdsStart: number;
  fdsEnd: number;
  fdsMax: number;
  childrenStart: number;
  childrenEnd: number;
  childrenMax: number;
  loopP99MedianMs: number;
  loopP99MaxMs: number;
  fpsMedian: number;
  e2eP95MedianMs: number;
  e2eP95MaxMs: number;
  /** Pipeline drops per minute in the first and the last third after warm-up: a leak makes the last worse. */
  dropsPerMinFirstThird: number;
  dropsPerMinLastThird: number;
  sinkDropsAfterWarmup: number;
  pass: boolean;
  verdict: string;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const pct = (from: number, to: number) => (from > 0 ? round1(((to - from) / from) * 100) : 0);

function dropRate(part: Sample[]): number {
  if (part.length < 2) return 0;
  const minutes = (part[part.length - 1].tS - part[0].tS) / 60;
  return minutes > 0 ? round1((part[part.length - 1].drops - part[0].drops) / minutes) : 0;
}

export function summarizeSoak(all: Sample[], options: { warmupS: number }): SoakSummary {
  let steady = all.filter((s) => s.tS >= options.warmupS);
  if (steady.length < 4) steady = all.slice(Math.min(1, all.length - 1));
  const head = steady.slice(0, 3);
  const tail = steady.slice(-3);
  const of = (part: Sample[], key: 'rssMb' | 'heapMb' | 'fds' | 'children') =>
    median(part.map((s) => s[key]));
  const third = Math.max(2, Math.floor(steady.length / 3));
  const summary = {
    samples: all.length,
    warmupS: options.warmupS,
    rssStartMb: round1(of(head, 'rssMb')),
    rssEndMb: round1(of(tail, 'rssMb')),
    rssGrowthPct: pct(of(head, 'rssMb'), of(tail, 'rssMb')),
    heapStartMb: round1(of(head, 'heapMb')),
    heapEndMb: round1(of(tail, 'heapMb')),
    heapGrowthPct: pct(of(head, 'heapMb'), of(tail, 'heapMb')),
    fdsStart: of(head, 'fds'),
    fdsEnd: of(tail, 'fds'),
    fdsMax: Math.max(0, ...steady.map((s) => s.fds)),
    childrenStart: of(head, 'children'),
    childrenEnd: of(tail, 'children'),
    childrenMax: Math.max(0, ...steady.map((s) => s.children)),
    loopP99MedianMs: round1(median(steady.map((s) => s.loopP99Ms))),
    loopP99MaxMs: round1(Math.max(0, ...steady.map((s) => s.loopP99Ms))),
    fpsMedian: round1(median(steady.map((s) => s.fps))),
    e2eP95MedianMs: round1(median(steady.map((s) => s.e2eP95Ms))),
    e2eP95MaxMs: round1(Math.max(0, ...steady.map((s) => s.e2eP95Ms))),
    dropsPerMinFirstThird: dropRate(steady.slice(0, third)),
    dropsPerMinLastThird: dropRate(steady.slice(-third)),
    sinkDropsAfterWarmup: steady.length ? steady[steady.length - 1].sinkDrops - steady[0].sinkDrops : 0,
  };
  const problems: string[] = [];
  if (summary.rssGrowthPct >= 5) problems.push(`RSS grew ${summary.rssGrowthPct} %`);
  if (summary.fdsEnd > summary.fdsStart + 2)
    problems.push(`file descriptors ${summary.fdsStart} -> ${summary.fdsEnd}`);
  if (summary.childrenEnd > summary.childrenStart)
    problems.push(`child processes ${summary.childrenStart} -> ${summary.childrenEnd}`);
  // Drops from a busy CPU are steady; drops from a leak (GC pressure, growing queues) get worse over time.
  if (summary.dropsPerMinLastThird > summary.dropsPerMinFirstThird * 1.5 + 30)
    problems.push(
      `drop rate rose ${summary.dropsPerMinFirstThird} -> ${summary.dropsPerMinLastThird} per min`,
    );
  return {
    ...summary,
    pass: problems.length === 0,
    verdict: problems.length
      ? `FAIL: ${problems.join('; ')}`
      : 'PASS: flat memory, descriptors and processes',
  };
}
