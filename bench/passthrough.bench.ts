import { validateConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/core/log.ts';
import { Daemon } from '../src/daemon.ts';
import {
  type BenchOptions,
  type BenchSection,
  CountingSink,
  childCpuSeconds,
  flagValue,
  mb,
  sampleRss,
} from './lib.ts';

/**
 * Passthrough: test pattern -> effect none -> a sink that only counts. Measures what the pipeline
 * itself costs: sustained output fps, drops, overhead per frame (frame read -> handed to sinks,
 * p50/p95), CPU % of this process and of the capture ffmpeg, peak RSS. `--minutes N` adds a long
 * 720p run that reports RSS growth (target < 5 % after warm-up).
 */

interface RunResult {
  row: Record<string, string | number>;
  rss: number[];
}

async function measure(width: number, height: number, fps: number, seconds: number): Promise<RunResult> {
  const config = validateConfig({ input: { source: 'test', width, height, fps }, effect: { name: 'none' } });
  const daemon = new Daemon({ config, log: silentLogger() });
  const sink = new CountingSink();
  await daemon.start();
  await daemon.addSink(sink);
  await new Promise((r) => setTimeout(r, 1500)); // warm-up: JIT, ffmpeg start
  const source = (daemon as unknown as { source: { pid?: number } }).source;
  const before = {
    stats: daemon.stats(),
    cpu: process.cpuUsage(),
    ffmpeg: await childCpuSeconds(source.pid),
    at: performance.now(),
  };
  const rss = sampleRss(500);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const samples = rss.stop();
  const after = {
    stats: daemon.stats(),
    cpu: process.cpuUsage(before.cpu),
    ffmpeg: await childCpuSeconds(source.pid),
    at: performance.now(),
  };
  await daemon.stop();
  const wall = (after.at - before.at) / 1000;
  const framesOut = after.stats.framesOut - before.stats.framesOut;
  const ffmpegCpu =
    before.ffmpeg !== undefined && after.ffmpeg !== undefined
      ? ((after.ffmpeg - before.ffmpeg) / wall) * 100
      : undefined;
  return {
    rss: samples,
    row: {
      size: `${width}x${height}@${fps}`,
      seconds: Math.round(wall),
      'output fps': framesOut / wall,
      drops: after.stats.drops - before.stats.drops,
      restarts: after.stats.restarts,
      'overhead p50 ms': after.stats.stages.endToEnd.p50,
      'overhead p95 ms': after.stats.stages.endToEnd.p95,
      'node cpu %': ((after.cpu.user + after.cpu.system) / 1e6 / wall) * 100,
      'ffmpeg cpu %': ffmpegCpu ?? 'n/a',
      'peak rss MB': mb(Math.max(...samples)),
    },
  };
}

export async function run(options: BenchOptions): Promise<BenchSection[]> {
  const seconds = options.quick ? 5 : 20;
  const rows: Record<string, string | number>[] = [];
  for (const [w, h] of [
    [1280, 720],
    [1920, 1080],
  ]) {
    rows.push((await measure(w, h, 30, seconds)).row);
  }
  const sections: BenchSection[] = [
    {
      title: 'passthrough: test pattern -> none -> counting sink',
      rows,
      notes: [
        'overhead = last byte of a frame read from ffmpeg -> frame handed to every sink (effect none)',
        'targets (2 cores): 30 fps sustained with 0 drops at 720p and 1080p; overhead p95 <= 2 ms at 720p',
        'ffmpeg cpu % is the capture ffmpeg (decode + scale + RGBA conversion), from /proc',
      ],
    },
  ];
  const minutes = Number(flagValue(options.argv, '--minutes') ?? 0);
  if (minutes > 0) {
    const long = await measure(1280, 720, 30, minutes * 60);
    // Growth is judged after warm-up: the median of the first and of the last 10 % of samples.
    const tenth = Math.max(1, Math.floor(long.rss.length / 10));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const start = median(long.rss.slice(0, tenth));
    const end = median(long.rss.slice(-tenth));
    sections.push({
      title: `passthrough RSS over ${minutes} min at 1280x720@30`,
      rows: [
        {
          ...long.row,
          'rss start MB': mb(start),
          'rss end MB': mb(end),
          'rss growth %': ((end - start) / start) * 100,
        },
      ],
      notes: ['target: rss growth < 5 %'],
    });
  }
  return sections;
}
